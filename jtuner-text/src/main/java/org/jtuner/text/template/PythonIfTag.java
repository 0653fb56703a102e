package org.jtuner.text.template;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateSyntaxException;
import com.hubspot.jinjava.lib.tag.ElseIfTag;
import com.hubspot.jinjava.lib.tag.ElseTag;
import com.hubspot.jinjava.lib.tag.IfTag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;

/**
 * Jinjava's {@code if}/{@code elif}/{@code else}, stopping at a pending {@code break}/{@code continue} so
 * that nothing after it in the block renders (Jinja leaves the block at once).
 */
final class PythonIfTag extends IfTag {
    private static final long serialVersionUID = 1L;

    @Override
    public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
        if (tagNode.getHelpers().isBlank()) {
            throw new TemplateSyntaxException(interpreter, tagNode.getMaster().getImage(), "'if' expects an expression");
        }
        StringBuilder out = new StringBuilder();
        boolean execute = isPositiveIfElseNode(tagNode, interpreter);
        boolean executedAnyBlock = false;
        for (Node node : tagNode.getChildren()) {
            executedAnyBlock |= execute;
            if (node instanceof TagNode tag) {
                if (tag.getName().equals(ElseIfTag.TAG_NAME)) {
                    execute = !executedAnyBlock && isPositiveIfElseNode(tag, interpreter);
                    continue;
                }
                if (tag.getName().equals(ElseTag.TAG_NAME)) {
                    execute = !executedAnyBlock;
                    continue;
                }
            }
            if (execute) {
                out.append(node.render(interpreter).getValue());
                if (JinjaLoop.interrupted(interpreter)) break;
            }
        }
        return out.toString();
    }
}
