package jdetr.verticles;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client on a plain socket, for what a polite client library will not do: offer
 * compression and then send compressed frames anyway, send oversized or fragmented frames, never
 * read, or drip-feed the handshake.
 */
final class RawWebSocket implements AutoCloseable {

  /** A frame as received. */
  record Frame(int opcode, byte[] payload) {
    String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }

    /** The status code of a close frame (1005 when it has none). */
    int closeCode() {
      return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
    }
  }

  static final int TEXT = 1;
  static final int BINARY = 2;
  static final int CONTINUATION = 0;
  static final int CLOSE = 8;

  final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  int status;
  final Map<String, String> headers = new LinkedHashMap<>();

  private RawWebSocket(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  /** A connected socket that has not sent anything yet. */
  static RawWebSocket connect(int port, int receiveBufferBytes) throws IOException {
    Socket s = new Socket();
    if (receiveBufferBytes > 0) {
      s.setReceiveBufferSize(receiveBufferBytes);
    }
    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    s.setSoTimeout(10_000);
    return new RawWebSocket(s);
  }

  /** Connects and performs the upgrade with extra headers; see {@link #status} and {@link #headers}. */
  static RawWebSocket open(int port, String path, Map<String, String> extra, int receiveBufferBytes) throws IOException {
    RawWebSocket ws = connect(port, receiveBufferBytes);
    ws.out.write(handshake(port, path, extra).getBytes(StandardCharsets.US_ASCII));
    ws.out.flush();
    ws.readResponseHead();
    return ws;
  }

  static String handshake(int port, String path, Map<String, String> extra) {
    byte[] key = new byte[16];
    ThreadLocalRandom.current().nextBytes(key);
    StringBuilder req = new StringBuilder()
        .append("GET ").append(path).append(" HTTP/1.1\r\n")
        .append("Host: 127.0.0.1:").append(port).append("\r\n")
        .append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
        .append("Sec-WebSocket-Key: ").append(Base64.getEncoder().encodeToString(key)).append("\r\n")
        .append("Sec-WebSocket-Version: 13\r\n");
    extra.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
    return req.append("\r\n").toString();
  }

  /** Writes raw bytes (e.g. a drip-fed handshake). */
  void writeRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  private void readResponseHead() throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int last4 = 0;
    while (last4 != 0x0D0A0D0A) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed during the handshake response");
      }
      head.write(b);
      last4 = (last4 << 8) | b;
    }
    String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
    status = Integer.parseInt(lines[0].split(" ")[1]);
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
      }
    }
  }

  /** Sends one masked frame. */
  void sendFrame(int opcode, boolean fin, boolean rsv1, byte[] payload) throws IOException {
    sendFrameHeader(opcode, fin, rsv1, payload.length);
    byte[] masked = payload.clone();
    for (int i = 0; i < masked.length; i++) {
      masked[i] ^= mask[i & 3];
    }
    out.write(masked);
    out.flush();
  }

  private final byte[] mask = new byte[4];

  /** Sends only a frame header announcing {@code length} payload bytes (the payload may follow or not). */
  void sendFrameHeader(int opcode, boolean fin, boolean rsv1, long length) throws IOException {
    ByteArrayOutputStream h = new ByteArrayOutputStream();
    h.write((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode);
    if (length < 126) {
      h.write(0x80 | (int) length);
    } else if (length < 65536) {
      h.write(0x80 | 126);
      h.write((int) (length >> 8));
      h.write((int) length);
    } else {
      h.write(0x80 | 127);
      for (int i = 7; i >= 0; i--) {
        h.write((int) (length >> (8 * i)));
      }
    }
    ThreadLocalRandom.current().nextBytes(mask);
    h.write(mask);
    out.write(h.toByteArray());
    out.flush();
  }

  /** Sends a binary message: 8-byte frame id + image. */
  void sendImage(long id, byte[] image) throws IOException {
    byte[] payload = new byte[8 + image.length];
    for (int i = 0; i < 8; i++) {
      payload[i] = (byte) (id >>> (56 - 8 * i));
    }
    System.arraycopy(image, 0, payload, 8, image.length);
    sendFrame(BINARY, true, false, payload);
  }

  /** Reads the next frame; null on end of stream. */
  Frame readFrame() throws IOException {
    int b0 = in.read();
    if (b0 < 0) {
      return null;
    }
    int b1 = readByte();
    long len = b1 & 0x7F;
    if (len == 126) {
      len = (readByte() << 8) | readByte();
    } else if (len == 127) {
      len = 0;
      for (int i = 0; i < 8; i++) {
        len = (len << 8) | readByte();
      }
    }
    byte[] payload = in.readNBytes((int) len);
    if (payload.length < len) {
      return null;
    }
    return new Frame(b0 & 0x0F, payload);
  }

  /**
   * Reads until a close frame and returns its code; -1 if the connection ended without one.
   * Other frames are skipped.
   */
  int awaitClose(long timeoutMillis) throws IOException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (System.currentTimeMillis() < deadline) {
      socket.setSoTimeout((int) Math.max(1, deadline - System.currentTimeMillis()));
      Frame f;
      try {
        f = readFrame();
      } catch (SocketTimeoutException e) {
        break;
      } catch (IOException e) {
        return -1;
      }
      if (f == null) {
        return -1;
      }
      if (f.opcode() == CLOSE) {
        return f.closeCode();
      }
    }
    throw new SocketTimeoutException("no close within " + timeoutMillis + " ms");
  }

  /** True once the server has closed the connection (reads end of stream), waiting up to the timeout. */
  boolean awaitEndOfStream(long timeoutMillis) throws IOException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    byte[] sink = new byte[4096];
    while (System.currentTimeMillis() < deadline) {
      socket.setSoTimeout((int) Math.max(1, deadline - System.currentTimeMillis()));
      try {
        if (in.read(sink) < 0) {
          return true;
        }
      } catch (SocketTimeoutException e) {
        return false;
      } catch (IOException e) {
        return true; // reset by the server
      }
    }
    return false;
  }

  private int readByte() throws IOException {
    int b = in.read();
    if (b < 0) {
      throw new EOFException();
    }
    return b;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
