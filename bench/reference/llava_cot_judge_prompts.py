"""Writes the comparison prompts of LLaVA-CoT's judge() for fixed candidates, as a test reference.

Usage: python3 llava_cot_judge_prompts.py PATH/TO/LLaVA-CoT/inference/VLMEvalKit/inference_demo.py OUT.json

The paper's judge() method is taken from its file and run with a stand-in processor and model that record each
chat message it is asked to format and answer "correct" to everything, so the prompts are exactly the ones its
code builds (for the reasoning stage: the two reasoning checks, then the comparison). Run it in a scratch folder:
judge() appends to ./log.jsonl.
"""
import ast, json, re, sys

source = open(sys.argv[1], encoding="utf-8").read()
tree = ast.parse(source)
judge = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "judge")
namespace = {"re": re, "json": json}
exec(compile(ast.Module(body=[judge], type_ignores=[]), "judge", "exec"), namespace)

class Ids:
    shape = (1, 0)

class Inputs(dict):
    def to(self, device):
        return self

class Processor:
    def __init__(self):
        self.messages = []
    def apply_chat_template(self, message, add_generation_prompt=True):
        self.messages.append(message)
        return "formatted"
    def __call__(self, image, text, return_tensors=None):
        return Inputs(input_ids=Ids())
    def decode(self, ids):
        return "correct"

class Model:
    def generate(self, **kwargs):
        return [[0]]

class Self:
    def __init__(self):
        self.processor = Processor()
        self.model = Model()
        self.device = None
        self.kwargs = {}

first = ("<SUMMARY>I will find the colour of the shape.</SUMMARY><CAPTION>The image shows one red circle at the left.</CAPTION>"
         "<REASONING>The circle is red, so the colour is red.</REASONING><CONCLUSION>red</CONCLUSION>")
second = ("<SUMMARY>I will look at the image.</SUMMARY><CAPTION>A blue square.</CAPTION>"
          "<REASONING>The square is blue.</REASONING><CONCLUSION>blue</CONCLUSION>")
question = "What color is the shape?"
out = []
for stage in ["summary", "caption", "reasoning", "conclusion"]:
    me = Self()
    namespace["judge"](me, None, question, [first, second], type=stage)
    prompts = []
    for message in me.processor.messages:
        content = message[0]["content"]
        prompts.append({"text": [c["text"] for c in content if c["type"] == "text"][0],
                        "image": any(c["type"] == "image" for c in content)})
    out.append({"stage": stage, "question": question, "first": first, "second": second, "prompts": prompts})
json.dump(out, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False, indent=1)
