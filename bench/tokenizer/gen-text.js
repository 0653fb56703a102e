// Writes deterministic mixed text as JSON lines (one document per line) to stdout:
// English prose, source code, Chinese/Japanese, and a small share of "unicode noise" that exercises the
// corners of the pre-tokenizer regexes (unusual whitespace, other scripts' digits, marks, case folding).
// Usage: node gen-text.js <megabytes>
'use strict';

const targetBytes = Math.round(parseFloat(process.argv[2] || '4') * 1024 * 1024);

// mulberry32: a small seeded PRNG, so every run writes the same text.
let seed = 0x5eed1234;
function rand() {
  seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n) => Math.floor(rand() * n);
const pick = (a) => a[int(a.length)];

const WORDS = ('the of and to in is was that for it with as his on be at by this had not are but from or have an they ' +
  'which one you were her all she there would their we him been has when who will more no if out so said what up its ' +
  'about into than them can only other new some could time these two may then do first any my now such like our over ' +
  'man me even most made after also did many before must through back years where much your way well down should ' +
  'because each just those people how too little state good very make world still own see men work long get here ' +
  'between both life being under never day same another know while last might us great old year off come since ' +
  'against go came right used take three himself few house use during without again place around however home small ' +
  'found thought went say part once general high upon school every don\'t does got united left number course war ' +
  'until always away something fact though water less public put think almost hand enough far took head yet ' +
  'government system better set told nothing night end why called didn\'t eyes find going look asked later knew ' +
  'point next program city business give group toward young days let room president side social given present ' +
  'several order national possible rather second face per among form important often things looked early white ' +
  'case john become large big need four within felt along children saw best church ever least power development ' +
  'light thing seemed family interest want members mind country area others done turned although open god service ' +
  'certain kind problem began different door thus help sense means whole matter perhaps itself york it\'s times ' +
  'law human line above name example action company hands local show whether five history gave today either act ' +
  'feet across taken past quite anything seen having death week experience body word half really field am car ' +
  'tokenizer model training gradient transformer attention embedding vision language encoder decoder projector').split(' ');
const NAMES = ['Alice', 'Bob', 'Zürich', 'Café', 'São Paulo', 'naïve', 'Ōsaka', 'Dvořák', 'Łódź', 'Hugging Face', 'LLaVA', 'GPT-4'];
const CONTRACTIONS = ["I'm", "you're", "we'll", "they've", "she'd", "it's", "can't", "WE'LL", "HE'S", "O'Brien"];

function sentence() {
  const n = 5 + int(18);
  const words = [];
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.04) words.push(pick(NAMES));
    else if (r < 0.07) words.push(pick(CONTRACTIONS));
    else if (r < 0.10) words.push(String(int(100000)) + (rand() < 0.3 ? '.' + int(100) : ''));
    else if (r < 0.12) words.push('"' + pick(WORDS) + '"');
    else words.push(pick(WORDS));
    if (rand() < 0.08 && i < n - 1) words[words.length - 1] += pick([',', ';', ':', ' -', ' (see ' + int(50) + ')']);
  }
  let s = words.join(rand() < 0.03 ? '  ' : ' ');
  s = s[0].toUpperCase() + s.slice(1);
  return s + pick(['.', '.', '.', '?', '!', '...']);
}

function prose() {
  const paragraphs = [];
  for (let p = 0, n = 1 + int(5); p < n; p++) {
    const ss = [];
    for (let i = 0, m = 2 + int(7); i < m; i++) ss.push(sentence());
    paragraphs.push(ss.join(' '));
  }
  return paragraphs.join(pick(['\n\n', '\n', '\r\n\r\n']));
}

const IDENT = ['x', 'y', 'i', 'idx', 'count', 'value', 'buffer', 'tokens', 'ids', 'model', 'config', 'result', 'self',
  'hidden_states', 'attention_mask', 'logits', 'batchSize', 'seqLen', 'numHeads', 'getValue', 'MAX_LENGTH'];
function codeLine(indent) {
  const a = pick(IDENT), b = pick(IDENT), c = pick(IDENT);
  const forms = [
    `${a} = ${b} + ${int(1000)}`, `${a} += ${b} * ${c}`, `if ${a} is None:`, `for ${a} in range(${b}):`,
    `return ${a}.${b}(${c}, dim=-1)`, `${a}[${int(16)}:${int(64)}] = ${b}`, `# TODO: fix ${a} when ${b} == ${c}`,
    `int ${a} = ${b}.length() - 1;`, `for (int i = 0; i < ${a}; i++) {`, `}`, `if (${a} != null && ${b} >= 0x${int(65536).toString(16)}) {`,
    `throw new IllegalStateException("bad ${a}: " + ${b});`, `const ${a} = await ${b}(${c}, {timeout: ${int(9999)}});`,
    `print(f"{${a}!r} -> {${b}:.3f}")`, `${a} = [${b} ** 2 for ${b} in ${c} if ${b} % 2 == 0]`, `/* ${pick(WORDS)} ${pick(WORDS)} */`,
    `def ${a}(${b}, ${c}=None, *args, **kwargs):`, `    """${sentence()}"""`, `${a} = np.zeros((${int(32)}, ${int(32)}), dtype=np.float32)`,
  ];
  return indent + pick(forms);
}

function code() {
  const lines = [];
  let depth = 0;
  for (let i = 0, n = 8 + int(40); i < n; i++) {
    const indent = rand() < 0.1 ? '\t'.repeat(depth) : '    '.repeat(depth);
    const line = codeLine(indent);
    lines.push(line);
    if (/[:{]$/.test(line)) depth = Math.min(depth + 1, 5);
    else if (rand() < 0.2) depth = Math.max(depth - 1, 0);
  }
  return lines.join('\n') + '\n';
}

const HANZI = '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面' +
  '而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合' +
  '还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解' +
  '问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山' +
  '统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导' +
  '器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严';
const KANA = 'あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをんアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンー';
function cjk() {
  const parts = [];
  for (let i = 0, n = 3 + int(12); i < n; i++) {
    let s = '';
    const src = rand() < 0.7 ? HANZI : KANA + HANZI.slice(0, 100);
    for (let j = 0, m = 6 + int(30); j < m; j++) s += src[int(src.length)];
    if (rand() < 0.2) s += ' ' + pick(WORDS) + ' ' + int(2025);
    parts.push(s + pick(['。', '，', '！', '？', '、', '」', '：']));
  }
  return parts.join(rand() < 0.5 ? '' : '\n');
}

// Code points chosen to probe where regex engines could disagree.
const NOISE = [
  '\u00a0', '\u3000', '\u2028', '\u2029', '\u0085', '\u000b', '\u000c', '\u001c', '\u001f', '\u200b', '\u2009', '\u202f',
  '\ufeff', '\t', '\r', '\n', '\r\n', ' ', '  ', "'s", "'S", "'ſ", "'ſt", "'\u212a", "'LL", "'Ve", "'D", "'re", 'ſ', 'İ', 'ı',
  '٣', '١٢٣٤', '１２３', '⅓', '²', 'Ⅻ', '𝟘𝟙', '௰', 'é', 'e\u0301', 'Å', 'A\u030a', 'ﬁ', 'Ǆ', 'ǅ', '\u0301', 'ß', 'ẞ',
  '😀', '👍🏽', '👨‍👩‍👧', '🇩🇪', '\ud835\udc00', '𝔘𝔫𝔦', '中文', 'ㄱ', '한국어', 'Ελληνικά', 'русский', 'עברית', 'العربية',
  'हिन्दी', 'ไทย', '…', '—', '–', '«', '»', '“', '”', '‘', '’', '€', '¥', '©', '®', '™', '°', '±', '×', '÷', '<', '>',
  '<|', '|>', '<s>', '</s>', '<unk>', '<|im_start|>', '<|endoftext|>', '<think>', '<|begin_of_text|>', '$', '@', '#', '%',
  '\\', '/', '|', '~', '^', '_', '`', '{', '}', '[', ']', 'a', 'Z', '0', '42', '12345', 'word', 'Word', 'WORD',
];
function noise() {
  let s = '';
  for (let i = 0, n = 20 + int(200); i < n; i++) s += pick(NOISE);
  return s;
}

const out = [];
let bytes = 0;
while (bytes < targetBytes) {
  const r = rand();
  const doc = r < 0.55 ? prose() : r < 0.8 ? code() : r < 0.95 ? cjk() : noise();
  const line = JSON.stringify(doc);
  out.push(line);
  bytes += Buffer.byteLength(doc, 'utf8');
}
process.stdout.write(out.join('\n') + '\n');
