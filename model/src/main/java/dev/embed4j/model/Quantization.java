package dev.embed4j.model;

/**
 * Embeddings quantised to bytes, as sentence-transformers' {@code quantize_embeddings}:
 *
 * <ul>
 *   <li>{@link Precision#UINT8}: each dimension's range [min, max] cut into 256 buckets of width
 *       {@code (max - min) / 255}; a value's bucket is {@code (x - min) / width}, truncated.
 *   <li>{@link Precision#INT8}: {@code (x - min) / width - 128}, truncated towards zero (so not always the
 *       uint8 bucket less 128: a bucket position of 0.5 gives uint8 0 but int8 -127, as NumPy's cast does).
 *   <li>{@link Precision#UBINARY}: one bit per dimension, set when the value is above 0, packed eight to a
 *       byte with the first dimension in the highest bit ({@code np.packbits}).
 *   <li>{@link Precision#BINARY}: the ubinary byte less 128, as a signed byte.
 * </ul>
 *
 * The ranges come from calibration embeddings ({@link Ranges#of}) or, without them, from the embeddings
 * being quantised; sentence-transformers warns that fewer than about 100 of those give poor ranges.
 * The arithmetic is float32, as there. Bytes are Java's signed {@code byte}: read a uint8 or ubinary
 * value with {@link Byte#toUnsignedInt}.
 *
 * <p>Where NumPy's behaviour is undefined this class decides: a value outside its range is clamped to
 * the first or last bucket (NumPy's cast wraps or saturates by platform), a dimension whose range is
 * empty (min = max) puts every value in the first bucket (NumPy divides by zero), and rows whose width
 * is not a multiple of 8 are packed row by row with zero bits at the end of each row's last byte
 * ({@code np.packbits(x, axis=-1)}; sentence-transformers packs the flattened matrix, which mixes rows).
 */
public final class Quantization {
  private Quantization() {}

  /** The precisions of sentence-transformers' {@code quantize_embeddings} that give bytes. */
  public enum Precision {
    INT8, UINT8, BINARY, UBINARY
  }

  /** The range [min[d], max[d]] of each dimension d, for int8 and uint8. */
  public record Ranges(float[] min, float[] max) {
    public Ranges {
      if (min.length != max.length) throw new IllegalArgumentException("ranges of " + min.length + " minima and " + max.length + " maxima");
      min = min.clone();
      max = max.clone();
      for (int d = 0; d < min.length; d++) {
        if (!(min[d] <= max[d])) throw new IllegalArgumentException("range of dimension " + d + " is [" + min[d] + ", " + max[d] + "]; min must not exceed max");
      }
    }

    @Override
    public float[] min() {
      return min.clone();
    }

    @Override
    public float[] max() {
      return max.clone();
    }

    /** Each dimension's minimum and maximum over {@code calibration}'s rows. */
    public static Ranges of(float[][] calibration) {
      if (calibration.length == 0) throw new IllegalArgumentException("no calibration embeddings to take ranges from");
      int dim = calibration[0].length;
      float[] lo = calibration[0].clone(), hi = calibration[0].clone();
      for (int i = 1; i < calibration.length; i++) {
        float[] row = calibration[i];
        if (row.length != dim) throw new IllegalArgumentException("calibration row " + i + " has " + row.length + " dimensions, row 0 has " + dim);
        for (int d = 0; d < dim; d++) {
          lo[d] = Math.min(lo[d], row[d]);
          hi[d] = Math.max(hi[d], row[d]);
        }
      }
      return new Ranges(lo, hi);
    }
  }

  /** {@code embeddings} quantised to {@code precision}, int8 and uint8 with ranges taken from the embeddings themselves. */
  public static byte[][] quantizeEmbeddings(float[][] embeddings, Precision precision) {
    boolean ranged = precision == Precision.INT8 || precision == Precision.UINT8;
    return quantizeEmbeddings(embeddings, precision, ranged && embeddings.length > 0 ? Ranges.of(embeddings) : null);
  }

  /**
   * {@code embeddings} quantised to {@code precision}: one row of bytes per embedding, as many bytes as
   * dimensions for int8 and uint8, one byte per eight dimensions (rounded up) for binary and ubinary.
   * {@code ranges} are needed for int8 and uint8 and ignored otherwise.
   */
  public static byte[][] quantizeEmbeddings(float[][] embeddings, Precision precision, Ranges ranges) {
    byte[][] out = new byte[embeddings.length][];
    if (out.length == 0) return out;
    switch (precision) {
      case INT8, UINT8 -> {
        if (ranges == null) throw new IllegalArgumentException(precision + " needs ranges (Ranges.of(calibrationEmbeddings))");
        float[] start = ranges.min, step = new float[start.length];
        for (int d = 0; d < step.length; d++) step[d] = (ranges.max[d] - start[d]) / 255f;
        boolean signed = precision == Precision.INT8;
        for (int i = 0; i < out.length; i++) {
          float[] row = embeddings[i];
          if (row.length != start.length) {
            throw new IllegalArgumentException("embedding " + i + " has " + row.length + " dimensions, the ranges " + start.length);
          }
          byte[] q = out[i] = new byte[row.length];
          for (int d = 0; d < row.length; d++) {
            float bucket = step[d] > 0 ? (row[d] - start[d]) / step[d] : 0f;
            if (Float.isNaN(bucket)) throw new IllegalArgumentException("embedding " + i + " holds NaN at dimension " + d);
            // the float-to-int cast truncates towards zero, as NumPy's astype does
            q[d] = signed ? (byte) Math.clamp((int) (bucket - 128f), -128, 127) : (byte) Math.clamp((int) bucket, 0, 255);
          }
        }
      }
      case BINARY, UBINARY -> {
        int shift = precision == Precision.BINARY ? 128 : 0;
        for (int i = 0; i < out.length; i++) {
          float[] row = embeddings[i];
          byte[] q = out[i] = new byte[(row.length + 7) / 8];
          for (int b = 0; b < q.length; b++) {
            int bits = 0;
            for (int k = 0; k < 8; k++) {
              int d = b * 8 + k;
              if (d < row.length && row[d] > 0) bits |= 0x80 >>> k;
            }
            q[b] = (byte) (bits - shift);
          }
        }
      }
    }
    return out;
  }
}
