"""Makes vqa_reference.jsonl, the reference VqaScoringTest checks jtuner's VQAv2 scoring against.

It runs the official VQA evaluation (VQAEval in PythonEvaluationTools/vqaEvaluation/vqaEval.py of
github.com/GT-Vision-Lab/VQA, commit a013f00 "Fixed processing answers bug"; not part of this repository: give its
path) under Debian's python3. The file is Python 2 only for its two print statements, which are rewritten to
print() in memory; nothing else is changed. Usage:

    /usr/bin/python3 make_reference.py /path/to/vqaEval.py > vqa_reference.jsonl

Lines with "text" give processPunctuation(text) as "punct" and processDigitArticle(processPunctuation(text)) as
"normalized"; lines with "answers" give VQAEval.evaluate's per-question accuracy (avgGTAcc, unrounded) of
"prediction" against the ten human answers.
"""
import json
import random
import re
import sys

source = open(sys.argv[1], encoding="utf-8").read()
source = re.sub(r'print "([^"]*)"', r'print("\1")', source)
space = {}
exec(compile(source, "vqaEval.py", "exec"), space)
VQAEval = space["VQAEval"]


class Holder:
    def __init__(self, qa):
        self.qa = qa

    def getQuesIds(self):
        return list(self.qa)


TEXTS = ["Two dogs.", "the cat", "3.5", "1,000", "yes!", "dont", "don't", "it's", "a/b", "x - y", "hello,world",
         "10.", "Ten", "none", "An apple", "U.S.A.", "." * 40 + "a", "whats up?", "couldn'tve", "two\tdogs",
         "  spaced  out  ", "Im here", "A man's hat", "(left)", "red, white, and blue", "2, 3", "50%", "#1",
         "well... ok", "e.g. this", "ONE", "the the the", "a", "", "yall", "zero-sum", "i.e.", "3 . 5",
         "what?!", "5:30", "$100", "hi;there", "[1]", "=>", "a_b", "back\\slash", "at@sign", "`tick`", "<b>",
         "nine dogs", "won't", "wont", "shes", "Cafe", "over ten", "oclock"]

WORDS = ["a", "an", "the", "one", "two", "ten", "none", "dog", "cats", "3", "1,5", "2.0", "dont", "isnt", "yes",
         "no", "red", "x.", "it's", "im", "whats", "Two", "THE", "-", "/", "?", "!", ",", ".", ";", "(", ")", "'",
         "\"", ":", "&", "...", "5.", ".5", "u.s.", "blue,", "(red)", "left-hand", "n/a"]


def random_text(rng):
    out = ""
    for _ in range(rng.randint(1, 5)):
        out += rng.choice(WORDS) + rng.choice([" ", " ", " ", "", ", ", ". ", "\t"])
    return out.strip() if rng.random() < 0.8 else out


def main():
    rng = random.Random(12)
    ev = VQAEval(Holder({}), Holder({}))
    texts = TEXTS + [random_text(rng) for _ in range(300)]
    for t in texts:
        p = ev.processPunctuation(t)
        print(json.dumps({"text": t, "punct": p, "normalized": ev.processDigitArticle(p)}))

    pool = ["two", "2", "Two.", "2 dogs", "two dogs", "yes", "Yes", "no", "red", "the red one", "red one", "3.5",
            "1,000", "1000", "dont know", "don't know", "n/a"]
    cases = []
    for q in range(200):
        kind = q % 4
        if kind == 0:  # all ten humans agree: the official code compares without normalising
            answers = [rng.choice(pool)] * 10
        else:
            answers = [rng.choice(pool[:1 + rng.randint(1, len(pool) - 1)]) for _ in range(10)]
        prediction = rng.choice(pool + answers + [random_text(rng)])
        cases.append((answers, prediction))
    qa = {i: {"answers": [{"answer": a, "answer_id": k + 1} for k, a in enumerate(answers)],
              "question_type": "what", "answer_type": "other"} for i, (answers, _) in enumerate(cases)}
    res = {i: {"answer": prediction} for i, (_, prediction) in enumerate(cases)}
    ev = VQAEval(Holder(qa), Holder(res))
    raw = {}
    ev.setEvalQA = lambda quesId, acc: raw.__setitem__(quesId, acc)
    ev.updateProgress = lambda progress: None
    sys_stdout, sys.stdout = sys.stdout, open("/dev/null", "w")
    ev.evaluate()
    sys.stdout = sys_stdout
    for i, (answers, prediction) in enumerate(cases):
        print(json.dumps({"question_id": i, "answers": answers, "prediction": prediction, "accuracy": raw[i]}))


if __name__ == "__main__":
    main()
