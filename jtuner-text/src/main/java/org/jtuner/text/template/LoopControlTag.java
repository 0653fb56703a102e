package org.jtuner.text.template;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateSyntaxException;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.TagNode;

/** {@code {% break %}} and {@code {% continue %}} (Jinja's loopcontrols extension) for {@link PythonForTag}. */
final class LoopControlTag implements Tag {
    private static final long serialVersionUID = 1L;
    private final String name;
    private final JinjaLoop.Interrupt kind;

    private LoopControlTag(String name, JinjaLoop.Interrupt kind) {
        this.name = name;
        this.kind = kind;
    }

    static LoopControlTag breakTag() {
        return new LoopControlTag("break", JinjaLoop.Interrupt.BREAK);
    }

    static LoopControlTag continueTag() {
        return new LoopControlTag("continue", JinjaLoop.Interrupt.CONTINUE);
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public String getEndTagName() {
        return null;
    }

    @Override
    public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
        JinjaLoop loop = JinjaLoop.current(interpreter);
        if (loop == null) {
            throw new TemplateSyntaxException(interpreter, name, "'" + name + "' outside of a loop");
        }
        loop.interrupt(kind);
        return "";
    }
}
