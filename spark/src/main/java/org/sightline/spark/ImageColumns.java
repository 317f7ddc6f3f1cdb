package org.sightline.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.sightline.data.ColorMode;
import org.sightline.data.DatasetFormatException;
import org.sightline.data.DecodedImage;

/**
 * Where the images of a DataFrame are: an image-bytes column (Spark's {@code binaryFile} source gives
 * {@code path} and {@code content}; a Parquet file any binary column) or the {@code image} struct of
 * Spark's {@code image} source. {@link #select} narrows a DataFrame to {@code (path, image)} so a task
 * reads no other column, and {@link #decode} turns such a row into pixels.
 */
final class ImageColumns implements Serializable {
    private static final long serialVersionUID = 1L;
    /** The column of Spark's {@code image} source. */
    static final String IMAGE = "image";
    /** The column of Spark's {@code binaryFile} source that holds a file's bytes. */
    static final String CONTENT = "content";
    /** The column of Spark's {@code binaryFile} source that holds a file's path. */
    static final String PATH = "path";

    private final boolean sparkImage;
    private final String column;
    private final boolean hasPath;

    private ImageColumns(boolean sparkImage, String column, boolean hasPath) {
        this.sparkImage = sparkImage;
        this.column = column;
        this.hasPath = hasPath;
    }

    /**
     * The image column of {@code schema}: {@code contentColumn} when given, else Spark's {@code image}
     * struct, else {@code content}.
     *
     * @throws IllegalArgumentException naming the columns there are when none fits
     */
    static ImageColumns of(StructType schema, Optional<String> contentColumn) {
        boolean hasPath = Arrays.asList(schema.fieldNames()).contains(PATH)
                && schema.apply(PATH).dataType().equals(DataTypes.StringType);
        if (contentColumn.isPresent()) {
            String name = contentColumn.get();
            if (!Arrays.asList(schema.fieldNames()).contains(name)) {
                throw new IllegalArgumentException("The content column '" + name + "' is not in the data; its columns "
                        + "are " + Arrays.toString(schema.fieldNames()));
            }
            if (!(schema.apply(name).dataType() instanceof BinaryType)) {
                throw new IllegalArgumentException("The content column '" + name + "' holds "
                        + schema.apply(name).dataType().simpleString() + ", expected binary (the bytes of an image "
                        + "file)");
            }
            return new ImageColumns(false, name, hasPath);
        }
        for (StructField field : schema.fields()) {
            if (field.name().equals(IMAGE) && field.dataType() instanceof StructType) {
                return new ImageColumns(true, IMAGE, false);
            }
        }
        if (Arrays.asList(schema.fieldNames()).contains(CONTENT)
                && schema.apply(CONTENT).dataType() instanceof BinaryType) {
            return new ImageColumns(false, CONTENT, hasPath);
        }
        throw new IllegalArgumentException("No image column in the data: expected Spark's binaryFile source (path, "
                + "content), its image source (image), or a binary column named as the content column; the columns "
                + "are " + Arrays.toString(schema.fieldNames()));
    }

    /** {@code data} narrowed to {@code (path, image)}, followed by {@code more} columns. */
    Dataset<Row> select(Dataset<Row> data, Column... more) {
        Column path = sparkImage ? col(IMAGE + ".origin") : hasPath ? col(PATH) : lit(null).cast(DataTypes.StringType);
        Column[] columns = new Column[2 + more.length];
        columns[0] = path.as(PATH);
        columns[1] = col(column);
        System.arraycopy(more, 0, columns, 2, more.length);
        return data.select(columns);
    }

    /** The path of a row of {@link #select}, or null. */
    static String path(Row row) {
        return row.isNullAt(0) ? null : row.getString(0);
    }

    /**
     * The pixels of a row of {@link #select}, in {@code colorMode}.
     *
     * @throws DatasetFormatException naming the row's path (or its number in the partition) when it holds no
     *                                image that can be decoded whole
     */
    DecodedImage decode(Row row, ColorMode colorMode, String name) throws IOException {
        if (row.isNullAt(1)) {
            throw new DatasetFormatException(name, -1, "no image (the " + column + " column is null)");
        }
        if (!sparkImage) {
            return DecodedImage.read((byte[]) row.get(1), name, colorMode);
        }
        return DecodedImage.of(fromSparkImage(row.getStruct(1), name), colorMode);
    }

    /**
     * An image of Spark's {@code image} source as a {@link BufferedImage}: Spark stores OpenCV's layout,
     * rows of BGR (or BGRA, or gray) bytes, so the channels are reversed here; the alpha is dropped, as
     * {@link DecodedImage#read} drops it from files.
     */
    static BufferedImage fromSparkImage(Row image, String name) throws DatasetFormatException {
        int height = image.getInt(image.fieldIndex("height"));
        int width = image.getInt(image.fieldIndex("width"));
        int channels = image.getInt(image.fieldIndex("nChannels"));
        byte[] data = (byte[]) image.get(image.fieldIndex("data"));
        if (height <= 0 || width <= 0 || data == null || data.length == 0) {
            throw new DatasetFormatException(name, -1, "not an image Spark's image source could decode");
        }
        if (channels != 1 && channels != 3 && channels != 4 || data.length != (long) height * width * channels) {
            throw new DatasetFormatException(name, -1, "image row of " + height + "x" + width + " with " + channels
                    + " channels has " + data.length + " bytes; expected 1, 3 or 4 channels of "
                    + (long) height * width * Math.max(1, channels) + " bytes");
        }
        if (channels == 1) {
            BufferedImage gray = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
            gray.getRaster().setDataElements(0, 0, width, height, data);
            return gray;
        }
        int[] rgb = new int[height * width];
        for (int i = 0; i < rgb.length; i++) {
            int b = data[i * channels] & 0xFF;
            int g = data[i * channels + 1] & 0xFF;
            int r = data[i * channels + 2] & 0xFF;
            rgb[i] = r << 16 | g << 8 | b;
        }
        BufferedImage colour = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        colour.setRGB(0, 0, width, height, rgb, 0, width);
        return colour;
    }
}
