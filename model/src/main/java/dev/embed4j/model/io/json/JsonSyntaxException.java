package dev.embed4j.model.io.json;

/**
 * Text that is not JSON (RFC 8259), or JSON past one of {@link JsonReader}'s limits. The message starts
 * with where, {@code line 3, column 17: }, then says what was expected and what was found; a caller that
 * knows the file puts its name in front.
 *
 * <p>Lines are counted from 1 and end at {@code \n}, {@code \r\n} or a lone {@code \r}; columns are counted
 * from 1 in Unicode code points, so a column matches what an editor shows for a UTF-8 file.
 */
public final class JsonSyntaxException extends RuntimeException {
  private final int line, column;

  JsonSyntaxException(int line, int column, String problem) {
    super("line " + line + ", column " + column + ": " + problem);
    this.line = line;
    this.column = column;
  }

  public int line() {
    return line;
  }

  public int column() {
    return column;
  }
}
