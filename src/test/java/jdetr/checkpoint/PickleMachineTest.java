package jdetr.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The restricted pickle machine on hand-assembled streams (byte sequences as CPython emits). */
class PickleMachineTest {

  @Test
  void readsPlainValuesOfProtocolTwo() throws Exception {
    // {'i': -2, 'w': 40000, 'L': -2**70, 'f': 0.1, 'n': None, 't': True, 'l': [1, 'é'], 'u': (1,)}
    Object v = run(bytes(0x80, 2, '}', 'q', 0, '(')
        .str("i").op('J').le(-2, 4)
        .str("w").op('M').le(40000, 2)
        .str("L").op(0x8a, 9).raw(new BigInteger("-1180591620717411303424"), 9)
        .str("f").op('G').be(Double.doubleToLongBits(0.1))
        .str("n").op('N')
        .str("t").op(0x88)
        .str("l").op(']', 'q', 1, '(', 'K', 1).str("\u00e9").op('e')
        .str("u").op('K', 1, 0x85)
        .op('u', '.'));
    Map<Object, Object> expected = new LinkedHashMap<>();
    expected.put("i", -2L);
    expected.put("w", 40000L);
    expected.put("L", new BigInteger("-1180591620717411303424"));
    expected.put("f", 0.1);
    expected.put("n", null);
    expected.put("t", true);
    expected.put("l", List.of(1L, "\u00e9"));
    expected.put("u", new PickledTuple(List.of(1L)));
    assertThat(v).isEqualTo(expected);
    assertThat(List.copyOf(((Map<?, ?>) v).keySet())).isEqualTo(List.copyOf(expected.keySet()));
  }

  @Test
  void appendsAndSetsNone() throws Exception {
    // {'k': None, 'l': [None]} with single SETITEM / APPEND opcodes
    Object v = run(bytes(0x80, 2, '}').str("k").op('N', 's').str("l").op(']', 'N', 'a', 's', '.'));
    Map<Object, Object> expected = new LinkedHashMap<>();
    expected.put("k", null);
    expected.put("l", java.util.Collections.singletonList(null));
    assertThat(v).isEqualTo(expected);
  }

  @Test
  void readsProtocolFourFramesMemoizeAndShortStrings() throws Exception {
    // protocol 4: FRAME, SHORT_BINUNICODE, MEMOIZE, BINGET of the memoized string, TUPLE2
    Object v = run(bytes(0x80, 4, 0x95).le(9, 8)
        .op(0x8c, 2, 'a', 'b', 0x94, 'h', 0, 0x86, 0x94, '.'));
    assertThat(v).isEqualTo(new PickledTuple(List.of("ab", "ab")));
  }

  @Test
  void aListHoldingItselfParsesWithoutWalkingIt() throws Exception {
    Object v = run(bytes(0x80, 2, ']', 'q', 0, 'h', 0, 'a', '.'));
    assertThat(((List<?>) v).get(0)).isSameAs(v);
  }

  @Test
  void refusesUnhashableDictKeys() {
    assertRefused(bytes(0x80, 2, '}', ']', 'K', 1, 's', '.'), "SETITEM (0x73) at offset 6",
        "dict key a list is not hashable");
  }

  @Test
  void refusesBuildOnAList() {
    assertRefused(bytes(0x80, 2, ']', '}', 'b', '.'), "BUILD (0x62) at offset 4",
        "BUILD on a list is not allowed");
  }

  @Test
  void refusesAppendToATuple() {
    assertRefused(bytes(0x80, 2, ')', 'K', 1, 'a', '.'), "APPEND (0x61) at offset 5",
        "target is a tuple, not a list");
  }

  @Test
  void refusesReduceOfAPlainValue() {
    assertRefused(bytes(0x80, 2).str("eval").op(')', 'R', '.'), "REDUCE (0x52)",
        "REDUCE of a str is not allowed");
  }

  @Test
  void refusesPersistentIdsWhereNoneBelong() {
    assertRefused(bytes(0x80, 2, ')', 'Q', '.'), "BINPERSID (0x51) at offset 3",
        "persistent ids are not allowed");
  }

  @Test
  void refusesUnknownOpcodesProtocolsAndUnderflow() {
    assertRefused(bytes(0x80, 2, 0xff), "opcode unknown (0xff) is not allowed", "offset 2");
    assertRefused(bytes(0x80, 6, '.'), "PROTO (0x80) at offset 0", "unknown pickle protocol");
    assertRefused(bytes(0x80, 2, '.'), "STOP (0x2e) at offset 2", "stack underflow");
    assertRefused(bytes(0x80, 2, 'h', 7, '.'), "BINGET (0x68) at offset 2",
        "memo key 7 was never stored");
    assertRefused(bytes(0x80, 2, 'e', '.'), "APPENDS (0x65) at offset 2", "no MARK");
  }

  @Test
  void refusesTheRestOfTheOpcodeSetByName() {
    assertRefused(bytes(0x80, 2, 'I').str("1").op('.'), "opcode INT (0x49)", "offset 2");
    assertRefused(bytes(0x80, 2, 0x8b).le(1, 4).op(0, '.'), "opcode LONG4 (0x8b)", "offset 2");
    assertRefused(bytes(0x80, 2, 0x8f, '.'), "opcode EMPTY_SET (0x8f)", "offset 2");
    assertRefused(bytes(0x80, 2, 0x82, 1, '.'), "opcode EXT1 (0x82)", "offset 2");
    assertRefused(bytes(0x80, 2, 'o', '.'), "opcode OBJ (0x6f)", "offset 2");
    assertRefused(bytes(0x80, 5, 0x97, '.'), "opcode NEXT_BUFFER (0x97)", "offset 2");
  }

  @Test
  void refusesNamespaceExceptAsAnEmptyNewobj() throws Exception {
    Object ns = run(bytes(0x80, 2, 'c').line("argparse").line("Namespace").op(')', 0x81, '}')
        .str("lr").op('G').be(Double.doubleToLongBits(1e-4)).op('s', 'b', '.'));
    assertThat(ns).isEqualTo(new PickledObject("argparse.Namespace", Map.of("lr", 1e-4)));
    assertRefused(bytes(0x80, 2, 'c').line("argparse").line("Namespace").op(')', 'R', '.'),
        "REDUCE (0x52)", "REDUCE of argparse.Namespace is not allowed");
  }

  @Test
  void boundsTheValuesAStreamMayCreate() throws Exception {
    CheckpointLimits tight = new CheckpointLimits(1 << 20, 1000, 1 << 20, 1 << 20, 10);
    Bytes ok = bytes(0x80, 2, ']', '(');
    Bytes tooMany = bytes(0x80, 2, ']', '(');
    for (int i = 0; i < 998; i++) {
      ok.op('}');
    }
    for (int i = 0; i < 999; i++) {
      tooMany.op('}');
    }
    ok.op('e', '.');
    tooMany.op('e', '.');
    Object list = new PickleMachine(new PickleInput(ok.toByteArray(), "ok.pkl"), null, tight).load();
    assertThat((List<?>) list).hasSize(998);
    assertThatThrownBy(() -> new PickleMachine(
        new PickleInput(tooMany.toByteArray(), "many.pkl"), null, tight).load())
        .isInstanceOf(UnsafeCheckpointException.class)
        .hasMessageContaining("EMPTY_DICT (0x7d) at offset 1002")
        .hasMessageContaining("more than 1000 values");
  }

  private static Object run(Bytes b) throws Exception {
    return new PickleMachine(new PickleInput(b.toByteArray(), "test.pkl"), null,
        CheckpointLimits.defaults()).load();
  }

  private static void assertRefused(Bytes b, String first, String second) {
    assertThatThrownBy(() -> run(b)).isInstanceOf(UnsafeCheckpointException.class)
        .hasMessageContaining(first).hasMessageContaining(second);
  }

  private static Bytes bytes(int... ops) {
    return new Bytes().op(ops);
  }

  /** A tiny assembler for pickle byte streams. */
  private static final class Bytes extends ByteArrayOutputStream {
    Bytes op(int... values) {
      for (int v : values) {
        write(v);
      }
      return this;
    }

    Bytes le(long v, int n) {
      for (int i = 0; i < n; i++) {
        write((int) (v >>> (8 * i)));
      }
      return this;
    }

    Bytes be(long v) {
      for (int i = 7; i >= 0; i--) {
        write((int) (v >>> (8 * i)));
      }
      return this;
    }

    Bytes raw(BigInteger v, int n) {
      byte[] big = v.toByteArray();
      for (int i = 0; i < n; i++) {
        int j = big.length - 1 - i;
        write(j >= 0 ? big[j] : (v.signum() < 0 ? 0xff : 0));
      }
      return this;
    }

    Bytes str(String s) {
      byte[] u = s.getBytes(StandardCharsets.UTF_8);
      write('X');
      le(u.length, 4);
      writeBytes(u);
      return this;
    }

    Bytes line(String s) {
      writeBytes((s + "\n").getBytes(StandardCharsets.US_ASCII));
      return this;
    }
  }
}
