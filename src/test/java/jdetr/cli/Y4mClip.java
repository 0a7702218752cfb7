package jdetr.cli;

import java.awt.image.BufferedImage;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import jdetr.serve.ShapesScene;

/**
 * Writes a YUV4MPEG2 (4:2:0, full-range BT.601) clip of a moving {@link ShapesScene}, as chromium's
 * fake camera reads: {@code frames} frames forward, then the same backward, so that the loop the
 * camera plays has no jump.
 */
final class Y4mClip {

  private Y4mClip() {}

  static void write(Path file, ShapesScene scene, int frames, int fps) throws IOException {
    int w = scene.width();
    int h = scene.height();
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
      out.write(("YUV4MPEG2 W" + w + " H" + h + " F" + fps + ":1 Ip A1:1 C420jpeg\n").getBytes(StandardCharsets.US_ASCII));
      byte[] y = new byte[w * h];
      byte[] u = new byte[(w / 2) * (h / 2)];
      byte[] v = new byte[(w / 2) * (h / 2)];
      for (int n = 0; n < 2 * frames; n++) {
        int f = n < frames ? n : 2 * frames - 1 - n;
        BufferedImage img = scene.render(f / (double) fps);
        int[] rgb = img.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < w * h; i++) {
          int r = (rgb[i] >> 16) & 0xFF;
          int g = (rgb[i] >> 8) & 0xFF;
          int b = rgb[i] & 0xFF;
          y[i] = clamp(0.299 * r + 0.587 * g + 0.114 * b);
        }
        for (int cy = 0; cy < h / 2; cy++) {
          for (int cx = 0; cx < w / 2; cx++) {
            double r = 0;
            double g = 0;
            double b = 0;
            for (int k = 0; k < 4; k++) {
              int p = rgb[(2 * cy + k / 2) * w + 2 * cx + k % 2];
              r += (p >> 16) & 0xFF;
              g += (p >> 8) & 0xFF;
              b += p & 0xFF;
            }
            r /= 4;
            g /= 4;
            b /= 4;
            u[cy * (w / 2) + cx] = clamp(128 - 0.168736 * r - 0.331264 * g + 0.5 * b);
            v[cy * (w / 2) + cx] = clamp(128 + 0.5 * r - 0.418688 * g - 0.081312 * b);
          }
        }
        out.write("FRAME\n".getBytes(StandardCharsets.US_ASCII));
        out.write(y);
        out.write(u);
        out.write(v);
      }
    }
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private static byte clamp(double v) {
    return (byte) Math.max(0, Math.min(255, Math.round(v)));
  }
}
