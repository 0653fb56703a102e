# Sourced (not run) by every benchmark that runs PyTorch beside jtuner: bench/train_cpu.sh, bench/matmul.sh,
# bench/engine.sh, bench/generate.sh, bench/ddp.sh. It gives PyTorch its best correct OpenBLAS kernel on this CPU and
# says which kernel each side runs on, so that a ratio measures jtuner and PyTorch, not OpenBLAS's CPU detection.
#
# Debian's OpenBLAS 0.3.21 picks its kernel from the CPU id; on CPUs it does not know (Sapphire Rapids) it falls
# back to the generic Prescott kernel, 3-4x slower than SkylakeX there. bench/openblas_core.py compares the kernel
# OpenBLAS reports with what the CPU's flags allow; when it is less capable, it times each better kernel the flags
# allow (OPENBLAS_CORETYPE, one process each) and keeps the fastest whose 512^3 product matches an exact float64 sum.
#
# Sets: OPENBLAS_CORETYPE (exported when a better kernel than OpenBLAS's own pick was found; an inherited one is
#       unset first unless KEEP_OPENBLAS_CORETYPE=1),
#       KERNELS ("kernels: pytorch OpenBLAS core X (...); jtuner ..."), which the scripts print beside their figures.
# Needs: PYTHON (default /usr/bin/python3) with torch; java on the PATH (bin/java-env).
_ob_python=${PYTHON:-/usr/bin/python3}
_ob_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# An OPENBLAS_CORETYPE inherited from the environment is not trusted: a machine may set one for other programs
# (this project's Zen 5 build machine exports OPENBLAS_CORETYPE=Haswell, PyTorch's AVX2 kernel, 187 instead of
# 330 GFLOP/s). The choice below ignores it; KEEP_OPENBLAS_CORETYPE=1 keeps it (to time a kernel on purpose).
if [[ -n ${OPENBLAS_CORETYPE:-} && ${KEEP_OPENBLAS_CORETYPE:-0} == 1 ]]; then
  _ob_probe=$("$_ob_python" "$_ob_dir/openblas_core.py" probe 2>&1 | tail -1)
  _ob_core="$(sed -n 's/.*core=\([^ ]*\).*/\1/p' <<<"$_ob_probe") (OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE kept: KEEP_OPENBLAS_CORETYPE=1; probe: $_ob_probe)"
else
  _ob_inherited=${OPENBLAS_CORETYPE:-}
  unset OPENBLAS_CORETYPE
  [[ -n $_ob_inherited ]] && echo "openblas-core: ignoring the inherited OPENBLAS_CORETYPE=$_ob_inherited (KEEP_OPENBLAS_CORETYPE=1 keeps it)" >&2
  echo "openblas-core: checking PyTorch's OpenBLAS kernel against the CPU (bench/openblas_core.py) ..." >&2
  _ob_out=$("$_ob_python" "$_ob_dir/openblas_core.py" choose)
  sed 's/^/openblas-core: /' <<<"$_ob_out" >&2
  _ob_best=$(sed -n 's/^best=\([^ ]*\).*/\1/p' <<<"$_ob_out")
  _ob_default=$(sed -n 's/^best=[^ ]* default=\([^ ]*\).*/\1/p' <<<"$_ob_out")
  _ob_was=${_ob_inherited:+; the inherited OPENBLAS_CORETYPE=$_ob_inherited was ignored}
  if [[ -n $_ob_best && $_ob_best != none && $_ob_best != "$_ob_default" ]]; then
    export OPENBLAS_CORETYPE=$_ob_best
    _ob_core="$_ob_best (OPENBLAS_CORETYPE=$_ob_best set by bench/openblas-core.sh: OpenBLAS's own pick was $_ob_default$_ob_was)"
  else
    _ob_core="$_ob_default (OpenBLAS's own pick, the best correct kernel here$_ob_was)"
  fi
fi
_ob_jtuner=$(java --add-modules jdk.incubator.vector "$_ob_dir/java/VectorInfo.java" 2>/dev/null || echo "unknown (java failed)")
KERNELS="kernels: pytorch OpenBLAS core $_ob_core; jtuner $_ob_jtuner"
unset _ob_python _ob_dir _ob_probe _ob_out _ob_best _ob_default _ob_core _ob_jtuner _ob_inherited _ob_was
