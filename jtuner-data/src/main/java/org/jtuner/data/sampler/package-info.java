/** The orders in which a rank visits the dataset: XTuner's length-grouped sampler and mmengine's shuffled one. */
package org.jtuner.data.sampler;
