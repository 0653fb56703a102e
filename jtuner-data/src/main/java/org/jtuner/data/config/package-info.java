/** Strict reading of YAML config sections: unknown keys name the nearest valid key. */
package org.jtuner.data.config;
