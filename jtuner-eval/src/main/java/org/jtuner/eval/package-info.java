/**
 * Benchmarks: multiple choice in VLMEvalKit's / MMBench's TSV with XTuner's prompts and answer extraction and
 * MMBench's circular rule ({@link org.jtuner.eval.McqBenchmark}), open-ended VQA with VQAv2's answer normalisation
 * ({@link org.jtuner.eval.VqaBenchmark}), and yes/no benchmarks such as POPE and MME
 * ({@link org.jtuner.eval.YesNoBenchmark}). A model takes part through {@link org.jtuner.eval.Answerer}.
 */
package org.jtuner.eval;
