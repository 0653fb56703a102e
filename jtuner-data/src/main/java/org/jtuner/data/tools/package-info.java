/**
 * The dataset tools behind {@code jtuner log-dataset} and {@code jtuner check-dataset}: plain classes with a
 * {@code run(config, options, out)} that returns the exit status.
 */
package org.jtuner.data.tools;
