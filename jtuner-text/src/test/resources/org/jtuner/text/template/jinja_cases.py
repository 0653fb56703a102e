"""Expected renders for ChatTemplateJinjaCasesTest (jinja_cases.json beside this file).

Not part of the build: it documents how the expectations were made and remakes them with
`python3 jinja_cases.py /path/to/shared/fixtures` (jinja2 3.1.x). The environment below copies
transformers' `_compile_jinja_template` (src/transformers/utils/chat_template_utils.py):
ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[AssistantTracker,
loopcontrols]) with its tojson, raise_exception and strftime_now; `render` passes what
`apply_chat_template` passes (messages, tools, documents, add_generation_prompt, special tokens, kwargs).
The qwen3 and llama3 cases use the templates in shared/fixtures/tokenizers, which are not copied here.
"""
import copy
import json
import sys
from datetime import datetime

import jinja2
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment


class AssistantTracker(Extension):
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_gen"), [], [], body).set_lineno(lineno)

    def _gen(self, caller):
        return caller()


def environment():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return datetime.now().strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[AssistantTracker, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def render(template, tokens, messages, add_generation_prompt, extra):
    kwargs = {"tools": None, "documents": None, **tokens, **extra}
    try:
        return environment().from_string(template).render(
            messages=copy.deepcopy(messages), add_generation_prompt=add_generation_prompt, **kwargs)
    except jinja2.exceptions.TemplateError as e:
        return "ERROR: " + str(e)


MESSAGES = [{'content': '  sys prompt  ', 'role': 'system'},
 {'content': 'Hello World', 'role': 'user'},
 {'content': 'Hi there', 'role': 'assistant'},
 {'content': 'bye', 'role': 'user'}]

PARTS = [{'content': [{'type': 'image'}, {'text': 'what is this?', 'type': 'text'}], 'role': 'user'},
 {'content': [{'text': 'a cat', 'type': 'text'}], 'role': 'assistant'}]

# Small templates, one Jinja feature (or whitespace rule) each.
SYNTHETIC = {'alternate': "{% for message in messages[1:] %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) "
              "%}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') "
              '}}{% endif %}{{ loop.index0 }}{% endfor %}',
 'and_or': "{{ (messages and 'yes') }}|{{ ('' or 'fallback') }}|{{ (none or 0) }}|{{ not messages }}",
 'blockset': '{% set x %}[{{ messages[1].content }}]{% endset %}{{ x }}{{ x }}',
 'break_nested': "{% for m in messages %}{% if m.role == 'assistant' %}[{{ m.content }}]{% break %}AFTER{% "
                 'endif %}{{ m.role }};{% endfor %}',
 'compare': "{{ 1 < 2 }}{{ 'a' < 'b' }}{{ messages|length >= 4 }}{{ 1 == 1.0 }}{{ 'a' != 'a' }}",
 'condexpr': "{{ 'yes' if messages else 'no' }}|{{ 'x' if false }}|{{ messages[0].role if messages[0].role "
             "== 'system' else 'none' }}",
 'content_with_braces': '{% for m in messages %}{{ m.content }}{% endfor %}',
 'continue_nested': "{% for m in messages %}{% if m.role != 'user' %}{% if true %}{% continue %}{% endif "
                    '%}SKIPPED{% endif %}{{ m.content }};{% endfor %}',
 'cycle_else': "{% for m in messages %}{{ loop.cycle('o', 'e') }}{% endfor %}|{% for x in [] %}X{% else "
               "%}empty{% endfor %}|{% for x in messages if x.role == 'tool' %}X{% else %}none{% endfor %}",
 'defined': '{{ messages[0].foo is defined }}{{ messages[0].role is defined }}{{ foo is not defined }}{% if '
            "bar is undefined %}U{% endif %}{{ none is none }}{{ 'x' is string }}{{ messages[0] is mapping "
            '}}{{ messages is iterable }}{{ 3 is number }}',
 'dict_methods': "{{ messages[0].get('role') }}|{{ messages[0].get('nope', 'dflt') }}|{{ messages[0].keys() "
                 '| list }}|{{ messages[0].values() | list }}|{{ messages[0] | list }}|{{ messages[0] | '
                 'dictsort | first }}',
 'dot_index': "{{ messages.0.role }}|{{ messages.1['content'] }}",
 'escapes': '{{ \'a\\nb\' }}|{{ "q\\"q" }}|{{ \'it\\\'s\' }}|{{ \'\\t\' }}|{{ \'back\\\\slash\' }}',
 'escapes2': '{{ \'\\u00e9\\x41\\101\\d\' }}|{{ "tab\\there" }}',
 'filters': "{{ messages | selectattr('role', 'equalto', 'user') | list | length }}|{{ messages | "
            "map(attribute='role') | list | join(' ') }}|{{ messages | first | tojson }}|{{ (messages | "
            'last).content }}|{{ [3,1,2] | sort | join }}|{{ [1,2,3] | reverse | list }}|{{ x | '
            "default('dflt') }}|{{ '42' | int + 1 }}|{{ 5 | string ~ '!' }}|{{ 'hi' | capitalize }}|{{ '  t  "
            "' | trim }}|{{ 'abc' | length }}|{{ messages | rejectattr('role', 'equalto', 'user') | "
            "map(attribute='content') | join('/') }}|{{ [1,2,3] | sum }}|{{ 'a' | upper }}",
 'fmt': "{{ '%s-%d' % ('a', 3) }}|{{ '{}-{}'.format('a', 'b') }}",
 'ifelif': "{% for m in messages %}{% if m.role == 'system' %}S{% elif m.role == 'user' %}U{% else %}A{% "
           'endif %}{% endfor %}',
 'is_tests': "{{ messages is sequence }}{{ 'a' is sequence }}{{ 1 is odd }}{{ 2 is even }}{{ 3 is "
             "divisibleby 3 }}{{ none is none }}{{ 'x' is lower }}{{ 1 is integer }}{{ 1.0 is float }}{{ "
             "messages[0] is mapping }}{{ true is boolean }}{{ 'a' is in 'abc' }}",
 'items': "{% for k, v in messages[0].items() %}{{ k }}={{ v }};{% endfor %}|{% for k in {'b': 1, 'a': 2} "
          "%}{{ k }}{% endfor %}|{{ {'b': 1, 'a': 2} | dictsort }}",
 'json_nested': "{{ {'a': {'b': [1, {'c': none}]}} | tojson }}|{{ messages[:1] | tojson(indent=2) }}",
 'list_ops': "{{ ([1] + [2]) | length }}|{{ messages[1:] | map(attribute='content') | map('upper') | join(' "
             "') }}",
 'loop_filter': "{% for m in messages if m.role != 'system' %}{{ loop.index }}{{ m.role[0] }}{% endfor %}",
 'loopctl': "{% for m in messages %}{% if m.role == 'system' %}{% continue %}{% endif %}{% if m.content == "
            "'bye' %}{% break %}{% endif %}{{ loop.index }}/{{ loop.length }}/{{ loop.revindex }}{{ m.role "
            '}} {% endfor %}',
 'macro': "{% macro render(m, pre='>') %}{{ pre }}{{ m.role }}{% endmacro %}{% for m in messages %}{{ "
          "render(m) }}{{ render(m, pre='#') }}{% endfor %}",
 'macro_default': "{% macro f(a, b='B', c=none) %}{{ a }}{{ b }}{{ c is none }}{% endmacro %}{{ f(1) }}|{{ "
                  'f(1, 2) }}|{{ f(1, c=3) }}',
 'membership': "{{ 'ell' in 'hello' }}{{ 'role' in messages[0] }}{{ 'zz' not in messages[0] }}{{ 2 in [1,2] "
               "}}{{ 'user' in messages | map(attribute='role') | list }}",
 'more_filters': "{{ ['b', 'a', 'b'] | unique | list }}|{{ ['  a ', ' b'] | map('trim') | join(',') }}|{{ "
                 "messages | map(attribute='role') | select('equalto', 'user') | list | length }}|{{ 'abc' | "
                 "reverse }}|{{ [3, 1] | max }}|{{ [3, 1] | min }}|{{ 'a' * 3 }}|{{ 3.7 | round }}|{{ "
                 "3.14159 | round(2) }}|{{ -3 | abs }}|{{ 'x,y' | replace(',', ';') }}|{{ 'hello' | "
                 "truncate(3) if false else 'hello'[:3] }}",
 'neg_slice': "{{ messages[-2:] | map(attribute='role') | join(',') }}|{{ messages[:-1] | length }}|{{ "
              "messages[::2] | map(attribute='role') | join(',') }}|{{ 'abcdef'[1:4] }}|{{ 'abcdef'[::-1] "
              "}}|{{ 'abcdef'[-2:] }}|{{ messages[-1].content }}",
 'nested_loop': '{% for m in messages %}{% set outer = loop %}{% for c in m.content if c is mapping %}{{ '
                'outer.index }}{{ loop.index }}{% endfor %}{% endfor %}',
 'nested_ns': "{% set ns = namespace(c=0) %}{% for m in messages %}{% for ch in m.role %}{% if ch == 's' "
              '%}{% set ns.c = ns.c + 1 %}{% endif %}{% endfor %}{% endfor %}{{ ns.c }}',
 'not_prec': '{{ not 1 == 2 }}|{{ not messages|length == 4 }}|{{ not x is defined }}|{{ not none }}|{{ not '
             "[] }}|{{ not '' }}|{{ not 'a' }}|{{ not 0 }}|{{ (not true) or true }}",
 'ns': "{% set ns = namespace(found=false, n=0, last='') %}{% for m in messages %}{% if m.role == 'user' "
       '%}{% set ns.found = true %}{% set ns.n = ns.n + 1 %}{% set ns.last = m.content %}{% endif %}{% '
       'endfor %}{{ ns.found }} {{ ns.n }} {{ ns.last }}',
 'parts': '{% for m in messages %}{{ m.role }}:{% if m.content is string %}{{ m.content }}{% else %}{% for c '
          "in m.content %}{% if c.type == 'image' %}<image>{% elif c['type'] == 'text' %}{{ c.text }}{% "
          'endif %}{% endfor %}{% endif %};{% endfor %}',
 'plus': '{% set n = 1 %}{{ n+1 }}|{{ +1 }}|{{ 2*+3 }}|{{ [1,2,3][n+1] }}',
 'prevnext': '{% for m in messages %}{% if loop.previtem is defined %}{{ loop.previtem.role[0] }}{% endif '
             '%}>{{ m.role[0] }}<{% if loop.nextitem is defined %}{{ loop.nextitem.role[0] }}{% endif %} {% '
             'endfor %}',
 'raise': "{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% "
          'endif %}ok',
 'raise_in_loop': "{% for m in messages %}{% if m.role == 'assistant' %}{{ raise_exception('no assistant: ' "
                  '~ m.content) }}{% endif %}{% endfor %}',
 'range': '{% for i in range(3) %}{{ i }}{% endfor %}|{% for i in range(4, -1, -2) %}{{ i }}{% endfor %}|{{ '
          'range(2, 5) | list }}',
 'scoping': '{% set x = 1 %}{% for i in [1, 2] %}{% set x = x + i %}{{ x }}{% endfor %}|{{ x }}|{% if true '
            '%}{% set y = 5 %}{% endif %}{{ y }}',
 'set_block_trim': '{%- set x -%}\n  inner  \n{%- endset -%}\n[{{ x }}]',
 'slice_loop': "{% for m in messages[1:] %}[{{ m['role'] }}:{{ m.content }}]{% endfor %}",
 'string_idx': "{{ messages[1].content[0] }}{{ messages[1].content[-1] }}|{{ messages[1]['content'] | "
               'wordcount }}',
 'strings2': "{{ 'a-b-c'.split('-')[-1] }}|{{ ' x '.rstrip() }}|{{ 'xxAxx'.lstrip('x') }}|{{ "
             "'Hello'.startswith('He') and 'Hello'.endswith('lo') }}|{{ 'abc'.upper().lower() }}|{{ 'a "
             "b'.replace(' ', '') }}|{{ 'A1'.isalnum() }}|{{ '12'.isdigit() }}",
 'strmeth': "{{ messages[0].content.strip() }}|{{ messages[1].content.split(' ') }}|{{ "
            "messages[1].content.upper() }}|{{ messages[1].content.lower() }}|{{ 'a b  c'.split() }}|{{ "
            "'hello world'.title() }}|{{ 'x-y-z'.replace('-', '+') }}|{{ 'abc'.startswith('ab') }}|{{ "
            "'abc'.endswith(('x','c')) }}|{{ '..a..'.strip('.') }}|{{ 'a,b,c'.split(',', 1) }}|{{ ', "
            "'.join(['p','q']) }}|{{ 'abc'.find('c') }}|{{ 'k=v=w'.rsplit('=', 1) }}",
 'tojson_opts': "{{ messages[0] | tojson(indent=4) }}|{{ {'é': [1, 2.0, none, true]} | tojson }}|{{ {'é': "
                "'ü'} | tojson(ensure_ascii=true) }}|{{ {'b': 1, 'a': {'d': [], 'c': {}}} | "
                "tojson(sort_keys=true, indent=2) }}|{{ [1,2] | tojson(separators=(',', ':')) }}|{{ "
                '\'q"\\\\\n'
                "\t' | tojson }}",
 'tuples': '{% for a, b in [(1, 2), (3, 4)] %}{{ a }}{{ b }}{% endfor %}|{% for a, b in [[5, 6]] %}{{ a + b '
           '}}{% endfor %}',
 'unicode': "{{ '你好 ' ~ messages[1].content }}|{{ '你好'[1:] }}|{{ '😀x'[1:] }}|{{ '😀x' | length }}",
 'whitespace_more': 'a\n'
                    '  {%- if true %}\n'
                    '  b\n'
                    '  {%- endif %}\n'
                    " c {{- ' d ' -}} e\n"
                    '{% for i in [1,2] -%}\n'
                    '  {{ i }}\n'
                    '{%- endfor %}\n'
                    'end',
 'ws_block_dash': 'a  \n  {%- if true -%}  \n b {% endif %}c',
 'ws_comment': 'a\n  {# c #}\nb',
 'ws_endif_nl': '{% if true %}\nA\n{% endif %}\nB\n',
 'ws_expr_dash': "a  \n  {{- 'x' -}}  \n b",
 'ws_for_dash': '{%- for i in [1,2,3] %}\n    {{- i }}\n{%- endfor %}\n',
 'ws_lstrip': 'a\n    {% if true %}\n    x\n    {% endif %}\nb',
 'ws_lstrip_expr': "a\n    {{ 'x' }}\nb",
 'ws_mid_line_block': 'ab {% if true %}x{% endif %} cd\n',
 'ws_mix': '{%- for m in messages %}\n'
           "    {%- if m.role == 'user' %}\n"
           '        <u>{{ m.content }}</u>\n'
           '    {% else %}\n'
           '        <o>{{- m.content -}}</o>\n'
           '    {%- endif %}\n'
           '{% endfor -%}\n'
           '  {# comment #}\n'
           "  tail {{ 'x' }}  \n"
           '{%+ if true %}keep{% endif %}\n',
 'ws_plus': '  {%+ if true %}x{% endif %}',
 'ws_raw': '  {% raw %}{{ not evaluated }}{% endraw %}\n{% raw -%}   a   {%- endraw %}|',
 'ws_raw_nl_end': 'x\n',
 'ws_set_dash': "{%- set x = 'q' %}\n{{- x }}\n",
 'ws_tab_lstrip': '\t\t{% if true %}y{% endif %}\n',
 'ws_trim_after_expr': "{{ 'x' }}\nb",
 'ws_two_nl_end': 'x\n\n'}


def main(fixtures):
    def config(name):
        return json.load(open(f"{fixtures}/tokenizers/{name}/tokenizer_config.json"))

    def fixture_conversation():
        return json.load(open(f"{fixtures}/tokenizers/qwen3/encodings.json"))["chat_template"]["messages"]

    def toks(cfg):
        out = {}
        for k in ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]:
            v = cfg.get(k)
            if isinstance(v, dict):
                v = v.get("content")
            if v is not None:
                out[k] = v
        return out

    q, l = config("qwen3"), config("llama3")
    cases = []

    def add(name, template, tokens, messages, agp, extra={}):
        fixture = "qwen3" if template is q["chat_template"] else "llama3" if template is l["chat_template"] else None
        case = dict(name=name, tokens=tokens, messages=messages, add_generation_prompt=agp, extra=extra,
                    expected=render(template, tokens, messages, agp, extra))
        case["fixture" if fixture else "template"] = fixture or template
        cases.append(case)

    for name, template in SYNTHETIC.items():
        messages = PARTS if name in ("parts", "nested_loop") else MESSAGES
        if name == "content_with_braces":
            messages = [{"role": "user", "content": "{{ 1 + 1 }} {% if %} {# x #}"}]
        add(name, template, {"bos_token": "<s>", "eos_token": "</s>"}, messages, False)

    # Conversations for the fixture templates: tools, tool calls, thinking, roles out of place.
    BASE = fixture_conversation()
    tools = [{"type":"function","function":{"name":"get_weather","description":"Get the weather — in °C","parameters":{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer","default":3},"scale":{"type":"number","minimum":0.5,"tiny":1e-07}},"required":["city"]}}}]
    for agp in (True, False):
        add(f'qwen3_fixture_agp{agp}', q["chat_template"], toks(q), BASE, agp)
        add(f'llama3_fixture_agp{agp}', l["chat_template"], toks(l), BASE, agp)
    add('qwen3_no_think', q["chat_template"], toks(q), BASE, True, {"enable_thinking": False})
    think = [{"role":"user","content":"2+2?"},
             {"role":"assistant","content":"<think>\nadd them\n</think>\n\n4"},
             {"role":"user","content":"and 3+3?"},
             {"role":"assistant","content":"<think>\nagain\n</think>\n\n6"}]
    add('qwen3_think_history', q["chat_template"], toks(q), think, False)
    add('qwen3_think_history_agp', q["chat_template"], toks(q), think[:3], True)
    rc = [{"role":"system","content":"Be brief."},{"role":"user","content":"hi"},{"role":"assistant","content":"hello","reasoning_content":"\nthe user greets\n"}]
    add('qwen3_reasoning_content', q["chat_template"], toks(q), rc, False)
    toolconv = [{"role":"system","content":"You are a weather bot."},
     {"role":"user","content":"Weather in Paris and Zürich?"},
     {"role":"assistant","content":"","tool_calls":[{"type":"function","function":{"name":"get_weather","arguments":{"city":"Paris","days":2,"scale":1.5}}},{"type":"function","function":{"name":"get_weather","arguments":"{\"city\": \"Zürich\"}"}}]},
     {"role":"tool","content":"{\"temp\": 21}"},
     {"role":"tool","content":"{\"temp\": 17}"},
     {"role":"assistant","content":"<think>\nsummarise\n</think>\n\nParis 21, Zürich 17."},
     {"role":"user","content":"<tool_response>\nnot really\n</tool_response>"},
    ]
    add('qwen3_tools', q["chat_template"], toks(q), toolconv, True, {"tools": tools})
    add('qwen3_tools_nosys', q["chat_template"], toks(q), toolconv[1:6], True, {"tools": tools})
    add('qwen3_mid_system', q["chat_template"], toks(q), [{"role":"user","content":"a"},{"role":"system","content":"b"},{"role":"assistant","content":"c"}], False)
    add('qwen3_tool_calls_with_content', q["chat_template"], toks(q), [{"role":"user","content":"x"},{"role":"assistant","content":"Let me check.","tool_calls":[{"name":"f","arguments":{"a":[1,2,{"b":None,"c":True}]}}]},{"role":"tool","content":"ok"}], True)
    add('llama3_trim', l["chat_template"], toks(l), [{"role":"user","content":"  spaced out \n\n"},{"role":"assistant","content":"\tok "}], False)
    json.dump({"generator": "jinja_cases.py, jinja2 " + jinja2.__version__, "cases": cases},
              open("jinja_cases.json", "w"), ensure_ascii=False, indent=1)
    print(len(cases), "cases")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../../../../../../../../../shared/fixtures")
