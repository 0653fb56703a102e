package org.jtuner.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The built-in chat page in Debian's headless Chromium (driven through its chromedriver by Selenium): it loads and
 * names the model, an image is attached, a question asked, and the answer streams in: the generation is held after
 * its first piece of text, and the page shows that piece while the answer is still open; once let go, the page shows
 * the whole answer, which is the model's greedy answer to the question with the image. Screenshots of both moments
 * go to target/chat-page/. Chromium comes from bin/setup-chromium; without it the test is skipped (failed under CI).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ChatPageTest {
    static final int MAX = 12;
    @TempDir Path work;

    static Path executable(String env, String name) {
        String given = System.getenv(env);
        if (given != null && !given.isBlank()) return Path.of(given);
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) return p;
        }
        String message = name + " not found (set " + env + " or run bin/setup-chromium, which installs Debian's chromium and chromium-driver)";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) throw new AssertionError(message);
        Assumptions.abort(message);
        return null;
    }

    @Test
    void anImageAndAQuestionAndTheAnswerStreamsIn() throws Exception {
        Path chromium = executable("JTUNER_CHROMIUM", "chromium");
        Path chromedriver = executable("JTUNER_CHROMEDRIVER", "chromedriver");
        Path shots = Files.createDirectories(Path.of("target", "chat-page"));
        Path image = Fixtures.path("clip-image-processor", "small_64x48.png");
        try (TinyLlava tiny = new TinyLlava(work)) {
            String question = "describe the picture";
            String expected = tiny.greedy(question, List.of(image), MAX);
            assertThat(expected).as("an answer of more than one piece").hasSizeGreaterThan(1);
            Gate gate = new Gate(tiny.generator, true);
            ChromeOptions options = new ChromeOptions().setBinary(chromium.toFile())
                    .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=900,700");
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile()).usingAnyFreePort().build();
            ChromeDriver browser = null;
            try (ChatServer s = ChatServer.start(tiny.served(gate), ServeOptions.defaults())) {
                browser = new ChromeDriver(service, options);
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
                browser.get(s.uri().toString());
                wait.until(d -> d.findElement(By.id("model")).getText().equals("tiny-llava"));
                browser.findElement(By.id("image")).sendKeys(image.toAbsolutePath().toString());
                wait.until(d -> d.findElement(By.id("preview")).isDisplayed());
                WebElement tokens = browser.findElement(By.id("max-tokens"));
                tokens.clear();
                tokens.sendKeys(String.valueOf(MAX));
                browser.findElement(By.id("prompt")).sendKeys(question);
                browser.findElement(By.id("send")).click();

                JavascriptExecutor js = browser;
                String script = "const a = document.querySelector('.msg.assistant'); return a ? [a.dataset.state || '', a.textContent] : null;";
                wait.until(d -> {
                    Object r = js.executeScript(script);
                    return r instanceof List<?> l && l.get(1).toString().length() > "Model: ".length();
                });
                List<?> partial = (List<?>) js.executeScript(script);
                Files.write(shots.resolve("1-streaming.png"), browser.getScreenshotAs(OutputType.BYTES));
                assertThat(partial.get(0)).as("the answer is still streaming").isEqualTo("streaming");
                String firstPiece = partial.get(1).toString().substring("Model: ".length());
                assertThat(expected).as("what has arrived is the start of the answer").startsWith(firstPiece);
                assertThat(firstPiece).as("only part of it").isNotEqualTo(expected);

                gate.open();
                wait.until(d -> "done".equals(((List<?>) js.executeScript(script)).get(0)));
                Files.write(shots.resolve("2-answer.png"), browser.getScreenshotAs(OutputType.BYTES));
                assertThat(((List<?>) js.executeScript(script)).get(1)).isEqualTo("Model: " + expected);
                assertThat(browser.findElement(By.cssSelector(".msg.user img")).getDomAttribute("src")).startsWith("data:image/png;base64,");
            } finally {
                if (browser != null) browser.quit();
            }
        }
        assertThat(shots.resolve("2-answer.png")).isNotEmptyFile();
    }
}
