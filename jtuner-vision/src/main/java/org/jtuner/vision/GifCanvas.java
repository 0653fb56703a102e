package org.jtuner.vision;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;

import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;

import org.w3c.dom.Node;

/**
 * Places a GIF's first frame on its logical screen as Pillow 9.4 does: the image is the size of the logical screen
 * (grown when the frame reaches past it), the area outside the frame holds palette index "transparency" when the
 * frame declares one and index 0 otherwise. Java's reader returns the frame alone.
 */
final class GifCanvas {
    private GifCanvas() {}

    static BufferedImage place(BufferedImage frame, IIOMetadata streamMetadata, IIOMetadata imageMetadata) {
        if (!(frame.getColorModel() instanceof IndexColorModel icm) || streamMetadata == null || imageMetadata == null) return frame;
        Node screen = child(streamMetadata.getAsTree("javax_imageio_gif_stream_1.0"), "LogicalScreenDescriptor");
        Node image = imageMetadata.getAsTree("javax_imageio_gif_image_1.0");
        Node descriptor = child(image, "ImageDescriptor");
        if (screen == null || descriptor == null) return frame;
        int left = intAttr(descriptor, "imageLeftPosition");
        int top = intAttr(descriptor, "imageTopPosition");
        int width = Math.max(intAttr(screen, "logicalScreenWidth"), left + frame.getWidth());
        int height = Math.max(intAttr(screen, "logicalScreenHeight"), top + frame.getHeight());
        if (left == 0 && top == 0 && width == frame.getWidth() && height == frame.getHeight()) return frame;

        int fill = 0;
        Node control = child(image, "GraphicControlExtension");
        if (control != null && "TRUE".equalsIgnoreCase(attr(control, "transparentColorFlag"))) {
            fill = intAttr(control, "transparentColorIndex");
        }
        WritableRaster raster = icm.createCompatibleWritableRaster(width, height);
        int[] row = new int[width];
        java.util.Arrays.fill(row, fill);
        for (int y = 0; y < height; y++) raster.setSamples(0, y, width, 1, 0, row);
        raster.setRect(left, top, frame.getRaster());
        return new BufferedImage(icm, raster, false, null);
    }

    private static Node child(Node parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (name.equals(n.getNodeName())) return n;
        }
        return null;
    }

    private static String attr(Node node, String name) {
        return node instanceof IIOMetadataNode m ? m.getAttribute(name) : null;
    }

    private static int intAttr(Node node, String name) {
        String v = attr(node, name);
        return v == null || v.isEmpty() ? 0 : Integer.parseInt(v);
    }
}
