package org.jtuner.text.template;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.el.TruthyTypeConverter;
import jinjava.de.odysseus.el.ExpressionFactoryImpl;
import jinjava.de.odysseus.el.tree.TreeStore;
import jinjava.de.odysseus.el.tree.impl.Builder.Feature;
import jinjava.de.odysseus.el.tree.impl.Cache;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ExpressionFactory;

/**
 * A Jinjava set up to render chat templates as transformers' Jinja environment does
 * ({@code ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
 * extensions=[AssistantTracker, loopcontrols])} with {@code tojson}, {@code raise_exception} and
 * {@code strftime_now}). Where Jinjava differs from Jinja, the fix lives in one class each:
 * <ul>
 *   <li>whitespace control: {@link JinjaWhitespace} applies Jinja's lexer rules before Jinjava sees the
 *       source, so Jinjava's own trim/lstrip stay off;</li>
 *   <li>expressions: {@link PythonExpressionParser} (extended slices, keyword arguments), plugged in
 *       through the expression factory;</li>
 *   <li>Python's string methods: {@link PythonMethods}, first in the EL resolver chain;</li>
 *   <li>printing values as Python's {@code str()}: {@link PythonInterpreter}, {@link PythonFilters};</li>
 *   <li>loops: {@link PythonForTag}, {@link PythonIfTag}, {@link LoopControlTag};</li>
 *   <li>{@link TojsonFilter}, {@link PythonTests}, {@link TemplateFunctions}, {@link GenerationTag}.</li>
 * </ul>
 * Legacy overrides chosen for Jinja's semantics: filters bind tighter than arithmetic, dict literal keys
 * are evaluated, iterating a dict yields its keys, None items survive in loops.
 */
final class HfJinjava extends Jinjava {
    private final ExpressionFactory expressions = new ExpressionFactoryImpl(
            new TreeStore(new PythonExpressionParser.SyntaxBuilder(Feature.METHOD_INVOCATIONS, Feature.VARARGS),
                    new Cache(1000)),
            new TruthyTypeConverter());

    HfJinjava() {
        super(config());
        getGlobalContext().registerFilter(new TojsonFilter());
        PythonFilters.all().forEach(getGlobalContext()::registerFilter);
        PythonTests.all().forEach(getGlobalContext()::registerExpTest);
        getGlobalContext().registerTag(new PythonForTag());
        getGlobalContext().registerTag(new PythonIfTag());
        getGlobalContext().registerTag(LoopControlTag.breakTag());
        getGlobalContext().registerTag(LoopControlTag.continueTag());
        getGlobalContext().registerTag(new GenerationTag());
        TemplateFunctions.definitions().forEach(getGlobalContext()::registerFunction);
    }

    private static JinjavaConfig config() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        return JinjavaConfig.newBuilder()
                .withTrimBlocks(false) // done by JinjaWhitespace
                .withLstripBlocks(false)
                .withElResolver(resolver)
                .withInterperterFactory(new PythonInterpreter.Factory())
                // A message containing "{{" must stay text: Jinjava would otherwise render it again.
                .withNestedInterpretationEnabled(false)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseNaturalOperatorPrecedence(true)
                        // Only "{{-" itself is a marker (and JinjaWhitespace leaves none): "{{ -1 }}" is minus one.
                        .withParseWhitespaceControlStrictly(true)
                        .withEvaluateMapKeys(true)
                        .withIterateOverMapKeys(true)
                        .withKeepNullableLoopValues(true)
                        .build())
                .build();
    }

    @Override
    public ExpressionFactory getExpressionFactory() {
        return expressions;
    }
}
