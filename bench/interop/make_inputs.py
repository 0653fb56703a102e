"""Inputs for a LLaVA folder's interop check: one row, BOS, the image's tokens (image_seq_length copies of
image_token_index), a few text tokens; random pixel values at the tower's image size. Written as safetensors
(numpy only). Then `combine` puts jtuner's logits and loss (from `jtuner forward`) beside them, as hf_check.py reads.
  python3 make_inputs.py inputs MODEL_DIR OUT.safetensors
  python3 make_inputs.py combine IN.safetensors JTUNER_OUT.safetensors REF.safetensors"""
import json, struct, sys
import numpy as np

def save(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, a in tensors.items():
        a = np.ascontiguousarray(a); b = a.tobytes()
        header[name] = {"dtype": {"int64": "I64", "float32": "F32"}[str(a.dtype)], "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(b)]}
        offset += len(b); blobs.append(b)
    h = json.dumps(header).encode(); h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h))); f.write(h); [f.write(b) for b in blobs]

def load(path):
    d = open(path, "rb").read(); n = struct.unpack("<Q", d[:8])[0]; h = json.loads(d[8:8 + n]); out = {}
    for k, v in h.items():
        if k == "__metadata__": continue
        s, e = v["data_offsets"]
        out[k] = np.frombuffer(d[8 + n + s:8 + n + e], dtype={"I64": np.int64, "F32": np.float32}[v["dtype"]]).reshape(v["shape"])
    return out

def main():
    if sys.argv[1] == "inputs":
        c = json.load(open(sys.argv[2] + "/config.json"))
        n, tok, size = c["image_seq_length"], c["image_token_index"], c["vision_config"]["image_size"]
        ids = np.array([[1] + [tok] * n + [5, 17, 33, 44, 60, 2]], dtype=np.int64)
        rng = np.random.default_rng(0)
        save(sys.argv[3], {"input_ids": ids, "attention_mask": np.ones_like(ids), "labels": ids.copy(),
                           "pixel_values": rng.standard_normal((1, 3, size, size)).astype(np.float32)})
    else:
        inputs, out = load(sys.argv[2]), load(sys.argv[3])
        inputs.update({"logits": out["logits"], "loss": out["loss"]})
        save(sys.argv[4], inputs)

if __name__ == "__main__":  # mllama_adapter.py imports save/load
    main()
