# Makes chat_reference.json: the conversations of MllamaChatEncoderTest rendered by jinja2 exactly as
# transformers 4.47.1's apply_chat_template renders a chat template (ImmutableSandboxedEnvironment, trim_blocks,
# lstrip_blocks; see transformers/utils/chat_template_utils.py _compile_jinja_template), with
# chat_template.jinja, a small template in the shape of Llama-3.2-11B-Vision-Instruct's ({"type": "image"} content
# becomes <|image|>, text is trimmed, each message ends with <|eot_id|>). Run: python3 make_chat_reference.py
import json
from jinja2.sandbox import ImmutableSandboxedEnvironment

env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
template = env.from_string(open("chat_template.jinja").read())
cases = {
    "one_image": [
        {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What is shown?"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "A red square."}]},
    ],
    "two_rounds_two_images": [
        {"role": "user", "content": [{"type": "image"}, {"type": "image"}, {"type": "text", "text": "Compare them."}]},
        {"role": "assistant", "content": [{"type": "text", "text": "The left one is larger."}]},
        {"role": "user", "content": [{"type": "text", "text": "And the colours?"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "Both are blue."}]},
    ],
    "text_only": [
        {"role": "user", "content": [{"type": "text", "text": "Say hi."}]},
        {"role": "assistant", "content": [{"type": "text", "text": "Hi!"}]},
    ],
}
out = {}
for name, messages in cases.items():
    out[name] = {"messages": messages,
                 "text": template.render(messages=messages, bos_token="<|begin_of_text|>", add_generation_prompt=False),
                 "prompt": template.render(messages=messages[:1], bos_token="<|begin_of_text|>", add_generation_prompt=True)}
json.dump(out, open("chat_reference.json", "w"), indent=1)
