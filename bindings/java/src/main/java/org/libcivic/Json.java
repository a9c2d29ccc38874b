package org.libcivic;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal JSON reader for the library's own (well-formed, compact) output,
 * so the binding needs no third-party jar. Objects become LinkedHashMap,
 * arrays List, integers BigInteger (exact, never double), strings String,
 * true/false Boolean, null null. Numbers with a fraction or exponent are
 * refused: libcivic never emits them.
 */
final class Json {
  private final String s;
  private int i;

  private Json(String s) {
    this.s = s;
  }

  static Object parse(String text) {
    Json p = new Json(text);
    p.ws();
    Object v = p.value();
    p.ws();
    if (p.i != p.s.length()) {
      throw p.error("trailing characters");
    }
    return v;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> object(String text) {
    Object v = parse(text);
    if (!(v instanceof Map)) {
      throw new IllegalStateException("libcivic returned JSON that is not an object");
    }
    return (Map<String, Object>) v;
  }

  /** The value at {@code key} as an exact long. */
  static long longOf(Map<String, Object> o, String key) {
    Object v = o.get(key);
    if (!(v instanceof BigInteger)) {
      throw new IllegalStateException("libcivic JSON: '" + key + "' is not an integer");
    }
    return ((BigInteger) v).longValueExact();
  }

  static String stringOf(Map<String, Object> o, String key) {
    Object v = o.get(key);
    if (!(v instanceof String)) {
      throw new IllegalStateException("libcivic JSON: '" + key + "' is not a string");
    }
    return (String) v;
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> objectsOf(Map<String, Object> o, String key) {
    Object v = o.get(key);
    if (!(v instanceof List)) {
      throw new IllegalStateException("libcivic JSON: '" + key + "' is not an array");
    }
    return (List<Map<String, Object>>) v;
  }

  private Object value() {
    if (i >= s.length()) {
      throw error("unexpected end");
    }
    char c = s.charAt(i);
    switch (c) {
      case '{':
        return obj();
      case '[':
        return arr();
      case '"':
        return str();
      case 't':
        return lit("true", Boolean.TRUE);
      case 'f':
        return lit("false", Boolean.FALSE);
      case 'n':
        return lit("null", null);
      default:
        return num();
    }
  }

  private Map<String, Object> obj() {
    Map<String, Object> m = new LinkedHashMap<>();
    i++;
    ws();
    if (peek() == '}') {
      i++;
      return m;
    }
    while (true) {
      ws();
      String k = str();
      ws();
      expect(':');
      ws();
      m.put(k, value());
      ws();
      if (peek() == ',') {
        i++;
        continue;
      }
      expect('}');
      return m;
    }
  }

  private List<Object> arr() {
    List<Object> l = new ArrayList<>();
    i++;
    ws();
    if (peek() == ']') {
      i++;
      return l;
    }
    while (true) {
      ws();
      l.add(value());
      ws();
      if (peek() == ',') {
        i++;
        continue;
      }
      expect(']');
      return l;
    }
  }

  private String str() {
    expect('"');
    StringBuilder b = new StringBuilder();
    while (true) {
      if (i >= s.length()) {
        throw error("unterminated string");
      }
      char c = s.charAt(i++);
      if (c == '"') {
        return b.toString();
      }
      if (c != '\\') {
        b.append(c);
        continue;
      }
      char e = s.charAt(i++);
      switch (e) {
        case 'n': b.append('\n'); break;
        case 't': b.append('\t'); break;
        case 'r': b.append('\r'); break;
        case 'b': b.append('\b'); break;
        case 'f': b.append('\f'); break;
        case 'u':
          b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
          i += 4;
          break;
        default: b.append(e); // \" \\ \/
      }
    }
  }

  private BigInteger num() {
    int start = i;
    if (peek() == '-') {
      i++;
    }
    while (i < s.length() && Character.isDigit(s.charAt(i))) {
      i++;
    }
    if (i == start || (i < s.length() && ".eE".indexOf(s.charAt(i)) >= 0)) {
      throw error("expected an integer");
    }
    return new BigInteger(s.substring(start, i));
  }

  private Object lit(String word, Object v) {
    if (!s.startsWith(word, i)) {
      throw error("expected " + word);
    }
    i += word.length();
    return v;
  }

  private char peek() {
    return i < s.length() ? s.charAt(i) : '\0';
  }

  private void expect(char c) {
    if (peek() != c) {
      throw error("expected '" + c + "'");
    }
    i++;
  }

  private void ws() {
    while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) {
      i++;
    }
  }

  private IllegalStateException error(String what) {
    return new IllegalStateException("libcivic JSON at offset " + i + ": " + what);
  }
}
