package dev.embed4j.model.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a {@link Dataset} from a JSONL file (one object per line), a CSV file (RFC 4180 quoting, header
 * row) or a TSV file (header row, tab-separated, no quoting). The format comes from the extension.
 * Errors name the file, the line and the column.
 */
public final class DatasetReader {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DatasetReader() {}

  /** Reads every column of the file; the dataset is named after the file unless {@code name} is given. */
  public static Dataset read(Path file, String name) {
    String n = name != null ? name : stripExtension(file.getFileName().toString());
    String lower = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (!Files.isRegularFile(file)) throw new IllegalArgumentException("dataset file " + file + " does not exist");
    try {
      if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) return readJsonl(file, n);
      if (lower.endsWith(".csv")) return readDelimited(file, n, ',', true);
      if (lower.endsWith(".tsv")) return readDelimited(file, n, '\t', false);
    } catch (IOException e) {
      throw new UncheckedIOException("reading dataset " + file + ": " + e.getMessage(), e);
    }
    throw new IllegalArgumentException("dataset file " + file + ": unknown format; use .jsonl, .csv or .tsv");
  }

  private static String stripExtension(String s) {
    int dot = s.lastIndexOf('.');
    return dot > 0 ? s.substring(0, dot) : s;
  }

  private static Dataset readJsonl(Path file, String name) throws IOException {
    List<String> columns = null;
    List<List<Object>> rows = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int lineNo = 0;
      while ((line = r.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) continue;
        JsonNode obj;
        try {
          obj = JSON.readTree(line);
        } catch (JsonProcessingException e) {
          throw new IllegalArgumentException(file + ":" + lineNo + ": not valid JSON: " + e.getOriginalMessage());
        }
        if (!obj.isObject()) throw new IllegalArgumentException(file + ":" + lineNo + ": expected a JSON object per line");
        if (columns == null) {
          columns = new ArrayList<>();
          for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) columns.add(it.next());
        }
        List<Object> row = new ArrayList<>(columns.size());
        for (String c : columns) {
          JsonNode v = obj.get(c);
          if (v == null || v.isNull()) {
            throw new IllegalArgumentException(file + ":" + lineNo + ": missing column '" + c + "' (columns come from line 1: "
                + columns + ")");
          }
          if (v.isNumber()) row.add(v.numberValue());
          else if (v.isBoolean()) row.add(v.booleanValue());
          else if (v.isTextual()) row.add(v.textValue());
          else throw new IllegalArgumentException(file + ":" + lineNo + ", column '" + c + "': expected text or a number, got " + v.getNodeType());
        }
        rows.add(row);
      }
    }
    if (columns == null) throw new IllegalArgumentException("dataset file " + file + " is empty");
    return of(file, name, columns, rows);
  }

  private static Dataset readDelimited(Path file, String name, char sep, boolean quoted) throws IOException {
    String content = Files.readString(file, StandardCharsets.UTF_8);
    if (content.startsWith("\uFEFF")) content = content.substring(1);
    List<List<String>> records = quoted ? parseCsv(content, file) : parseTsv(content);
    if (records.isEmpty()) throw new IllegalArgumentException("dataset file " + file + " is empty");
    List<String> columns = records.get(0);
    List<List<Object>> rows = new ArrayList<>();
    for (int i = 1; i < records.size(); i++) {
      List<String> rec = records.get(i);
      if (rec.size() == 1 && rec.get(0).isEmpty()) continue;
      if (rec.size() != columns.size()) {
        throw new IllegalArgumentException(file + ": record " + (i + 1) + " has " + rec.size() + " fields, the header "
            + columns.size() + " " + columns);
      }
      rows.add(new ArrayList<>(rec));
    }
    return of(file, name, columns, rows);
  }

  /** {@link Dataset#of}, its errors (a label that is not a number, a number where text belongs) naming the file. */
  private static Dataset of(Path file, String name, List<String> columns, List<? extends List<?>> rows) {
    try {
      return Dataset.of(name, columns, rows);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage() + " (row 0 is the first after the header)", e);
    }
  }

  private static List<List<String>> parseTsv(String content) {
    List<List<String>> out = new ArrayList<>();
    for (String line : content.split("\r?\n", -1)) {
      if (line.isEmpty()) continue;
      out.add(List.of(line.split("\t", -1)));
    }
    return out;
  }

  /** RFC 4180: fields may be quoted; "" inside quotes is a quote; quoted fields may hold newlines. */
  static List<List<String>> parseCsv(String s, Path file) {
    List<List<String>> out = new ArrayList<>();
    List<String> rec = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean inQuotes = false, any = false;
    int line = 1;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (inQuotes) {
        if (c == '"') {
          if (i + 1 < s.length() && s.charAt(i + 1) == '"') {
            field.append('"');
            i++;
          } else {
            inQuotes = false;
          }
        } else {
          if (c == '\n') line++;
          field.append(c);
        }
      } else if (c == '"') {
        if (field.length() > 0) throw new IllegalArgumentException(file + ":" + line + ": a quote inside an unquoted field");
        inQuotes = true;
        any = true;
      } else if (c == ',') {
        rec.add(field.toString());
        field.setLength(0);
        any = true;
      } else if (c == '\n' || c == '\r') {
        if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') i++;
        line++;
        if (any || field.length() > 0) {
          rec.add(field.toString());
          out.add(rec);
        }
        rec = new ArrayList<>();
        field.setLength(0);
        any = false;
      } else {
        field.append(c);
        any = true;
      }
    }
    if (inQuotes) throw new IllegalArgumentException(file + ": unterminated quoted field at end of file");
    if (any || field.length() > 0) {
      rec.add(field.toString());
      out.add(rec);
    }
    return out;
  }

  /** Builds a dataset from in-memory rows given as maps (column → value), columns in the first map's order. */
  public static Dataset fromMaps(String name, List<Map<String, ?>> rows) {
    if (rows.isEmpty()) throw new IllegalArgumentException("dataset '" + name + "': no rows");
    List<String> columns = new ArrayList<>(rows.get(0).keySet());
    List<List<Object>> data = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      List<Object> row = new ArrayList<>();
      for (String c : columns) {
        if (!rows.get(i).containsKey(c)) throw new IllegalArgumentException("dataset '" + name + "', row " + i + ": missing column '" + c + "'");
        row.add(rows.get(i).get(c));
      }
      data.add(row);
    }
    return Dataset.of(name, columns, data);
  }
}
