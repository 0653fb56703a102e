package org.jtuner.text.cot;

import static org.assertj.core.api.Assertions.assertThat;

import org.jtuner.text.cot.CotStages.Defect;
import org.jtuner.text.cot.CotStages.Stage;
import org.junit.jupiter.api.Test;

class CotStagesTest {
    static final String GOOD = "<SUMMARY> I will count. </SUMMARY>\n<CAPTION>Two red squares.</CAPTION> "
            + "<REASONING>There are 2.</REASONING>\n\n<CONCLUSION> B </CONCLUSION>\n";

    @Test
    void aWellFormedAnswerGivesEachStage() {
        CotStages.Parsed p = CotStages.parse(GOOD);
        assertThat(p.valid()).isTrue();
        assertThat(p.contents()).containsEntry(Stage.SUMMARY, "I will count.").containsEntry(Stage.CONCLUSION, "B");
        assertThat(p.conclusion()).isEqualTo("B");
    }

    @Test
    void eachDefectIsNamed() {
        assertDefect(GOOD.replace("<CAPTION>Two red squares.</CAPTION>", ""), Defect.MISSING, "no <CAPTION>");
        assertDefect(GOOD.replace("<SUMMARY>", ""), Defect.MISSING, "</SUMMARY> without <SUMMARY>");
        assertDefect("<CAPTION>a</CAPTION><SUMMARY>b</SUMMARY><REASONING>c</REASONING><CONCLUSION>d</CONCLUSION>",
                Defect.OUT_OF_ORDER, "<CAPTION> where <SUMMARY> should come");
        assertDefect("<SUMMARY>a<CAPTION>b</CAPTION></SUMMARY><REASONING>c</REASONING><CONCLUSION>d</CONCLUSION>",
                Defect.OUT_OF_ORDER, "<CAPTION> where </SUMMARY>");
        assertDefect(GOOD + "<SUMMARY>again</SUMMARY>", Defect.OUT_OF_ORDER, "more than once");
        assertDefect(GOOD.replace("</REASONING>", ""), Defect.UNCLOSED, "<REASONING> is never closed");
        assertDefect(GOOD.replace("There are 2.", " \n "), Defect.EMPTY, "<REASONING> is empty");
        assertDefect("Sure! " + GOOD, Defect.TEXT_OUTSIDE, "text before <SUMMARY>: \"Sure!\"");
        assertDefect(GOOD.replace("</CAPTION> ", "</CAPTION> and "), Defect.TEXT_OUTSIDE, "text before <REASONING>: \"and\"");
        assertDefect(GOOD + "Thanks", Defect.TEXT_OUTSIDE, "after </CONCLUSION>");
        assertThat(CotStages.conclusionOf("<CONCLUSION> A")).isEqualTo("A");
        assertThat(CotStages.conclusionOf("no stages")).isNull();
    }

    private static void assertDefect(String answer, Defect d, String message) {
        CotStages.Parsed p = CotStages.parse(answer);
        assertThat(p.defect()).as(answer).isEqualTo(d);
        assertThat(p.message()).contains(message);
    }
}
