package org.jtuner.serve;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Base64;
import java.util.Set;

import org.jtuner.vision.ImageReadException;
import org.jtuner.vision.Images;
import org.jtuner.vision.RgbImage;

/**
 * Turns an {@code image_url} into an image: a {@code data:} URL (base64), or a {@code file:} URL inside the one
 * folder the operator allowed (as vLLM's {@code --allowed-local-media-path}). A file URL is checked before anything
 * is opened: its normalised path must lie in the folder ({@code ..} escapes refused without touching the disk), its
 * real path too (symlinks out refused), and it must be a regular file (a FIFO or device never opened). Remote URLs are
 * never fetched.
 */
final class ImageUrls {
    private final Path allowed;     // as given, absolute and normalised; null: file URLs refused
    private final Path allowedReal; // its real path
    private final long maxBytes;

    ImageUrls(Path allowedFolder, long maxBytes) {
        this.maxBytes = maxBytes;
        if (allowedFolder == null) {
            allowed = allowedReal = null;
            return;
        }
        allowed = allowedFolder.toAbsolutePath().normalize();
        try {
            allowedReal = allowed.toRealPath();
        } catch (IOException e) {
            throw new IllegalArgumentException("--allowed-local-media-path " + allowedFolder + " cannot be used: " + e.getMessage());
        }
        if (!Files.isDirectory(allowedReal)) throw new IllegalArgumentException("--allowed-local-media-path " + allowedFolder + " is not a folder");
    }

    RgbImage load(String url, String param) {
        if (url == null || url.isBlank()) throw ApiException.badRequest(param, "image_url.url is missing");
        if (url.startsWith("data:")) return decode(dataBytes(url, param), "the data URL of " + param, param);
        if (url.startsWith("file:")) return decode(fileBytes(url, param), url, param);
        throw ApiException.badRequest(param, "image URLs are not fetched: send the image as a data URL (data:image/png;base64,...)"
                + (allowed != null ? " or a file: URL inside " + allowed : ""));
    }

    private static byte[] dataBytes(String url, String param) {
        int comma = url.indexOf(',');
        if (comma < 0 || !url.substring(0, comma).endsWith(";base64")) {
            throw ApiException.badRequest(param, "a data URL must be base64: data:image/png;base64,<data>");
        }
        try {
            return Base64.getMimeDecoder().decode(url.substring(comma + 1));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(param, "the data URL's base64 is broken: " + e.getMessage());
        }
    }

    private byte[] fileBytes(String url, String param) {
        if (allowed == null) {
            throw ApiException.badRequest(param, "file: URLs are refused: the server was started without --allowed-local-media-path");
        }
        Path path;
        try {
            path = Path.of(URI.create(url));
        } catch (RuntimeException e) {
            throw ApiException.badRequest(param, "not a usable file URL (" + e.getMessage() + "): write file:///absolute/path");
        }
        Path lexical = path.toAbsolutePath().normalize();
        if (!lexical.startsWith(allowed) && !lexical.startsWith(allowedReal)) throw outside(param, url);
        Path real;
        try {
            real = lexical.toRealPath();
        } catch (NoSuchFileException e) {
            throw ApiException.badRequest(param, "no such file: " + url);
        } catch (IOException e) {
            throw ApiException.badRequest(param, "cannot resolve " + url + ": " + e.getMessage());
        }
        if (!real.startsWith(allowedReal)) throw outside(param, url); // a symlink that leads out of the folder
        if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
            throw ApiException.badRequest(param, url + " is not a regular file");
        }
        try (InputStream in = Channels.newInputStream(Files.newByteChannel(real, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)))) {
            byte[] data = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (data.length > maxBytes) {
                throw new ApiException(413, "invalid_request_error", param, url + " is larger than the " + maxBytes + "-byte limit");
            }
            return data;
        } catch (IOException e) {
            throw ApiException.badRequest(param, "cannot read " + url + ": " + e.getMessage());
        }
    }

    private ApiException outside(String param, String url) {
        return new ApiException(400, "invalid_request_error", param,
                url + " is outside the allowed folder " + allowed + " (--allowed-local-media-path); nothing was read");
    }

    private static RgbImage decode(byte[] data, String source, String param) {
        try {
            return Images.decode(data, source);
        } catch (ImageReadException e) {
            throw ApiException.badRequest(param, e.getMessage());
        }
    }
}
