package org.sightline.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.sightline.model.FloatTensor;

/**
 * The public safetensors format, read and written in plain Java: an 8-byte little-endian header
 * length {@code N}, {@code N} bytes of UTF-8 JSON
 * ({@code {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}}),
 * padded with spaces to a multiple of 8 as the reference implementation does, then the raw
 * little-endian tensor bytes, {@code data_offsets} counting from the end of the header.
 *
 * <p>Reading checks everything the reference implementation checks — header length inside the
 * file, valid JSON, known dtypes, offsets that match dtype × shape, lie inside the data and cover it
 * without overlap or gap — and each error names the file, the tensor and the offset.
 *
 * <p>{@link #read} reads the header only and keeps the file open; each tensor is read from the file
 * when asked for, so that a caller can look at the metadata of a file of any size first and never
 * holds the file's bytes and the tensors' values at once. Close it when done.
 *
 * <pre>{@code
 * SafeTensors.writer().metadata("format", "pt").put("w", tensor).writeTo(path);
 * try (SafeTensors file = SafeTensors.read(path)) {
 *     FloatTensor w = file.floatTensor("w");
 * }
 * }</pre>
 */
public final class SafeTensors implements AutoCloseable {
    /** The header key of the free-form string map. */
    public static final String METADATA_KEY = "__metadata__";
    /** The reference implementation refuses larger headers; so does this one. */
    static final long MAX_HEADER_LENGTH = 100_000_000L;
    private static final int LENGTH_BYTES = 8;
    private static final int CHUNK_BYTES = 1 << 20;

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** The element types Sightline reads and writes, by their safetensors names. */
    public enum DType {
        F32(4),
        I64(8);

        private final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }

        /** Bytes per element. */
        public int bytes() {
            return bytes;
        }
    }

    /**
     * One tensor's entry in the header.
     *
     * @param begin first byte, counted from the start of the data section
     * @param end   one past the last byte
     */
    public record TensorInfo(String name, DType dtype, int[] shape, long begin, long end) {

        public TensorInfo {
            Objects.requireNonNull(name, "TensorInfo.name");
            Objects.requireNonNull(dtype, "TensorInfo.dtype");
            shape = shape.clone();
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        /**
         * Number of elements: the product of the shape, 1 for a scalar.
         *
         * @throws ArithmeticException if the product does not fit a {@code long}
         */
        public long elementCount() {
            long count = 1;
            for (int d : shape) {
                count = Math.multiplyExact(count, d);
            }
            return count;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype
                    && Arrays.equals(shape, t.shape) && begin == t.begin && end == t.end;
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
        }

        @Override
        public String toString() {
            return name + " " + dtype + Arrays.toString(shape) + " [" + begin + ", " + end + ")";
        }
    }

    private final Path source;
    private final Map<String, String> metadata;
    private final Map<String, TensorInfo> tensors;
    private final FileChannel channel;
    private final long dataStart;

    private SafeTensors(Path source, Map<String, String> metadata, Map<String, TensorInfo> tensors,
            FileChannel channel, long dataStart) {
        this.source = source;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = Collections.unmodifiableMap(tensors);
        this.channel = channel;
        this.dataStart = dataStart;
    }

    /**
     * Opens a safetensors file and validates its header against the file's size; the tensors' data is
     * read later, by {@link #floatTensor} and {@link #longs}. The caller closes the result.
     */
    public static SafeTensors read(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return readHeader(file, channel);
        } catch (Throwable e) {
            channel.close();
            throw e;
        }
    }

    private static SafeTensors readHeader(Path file, FileChannel channel) throws IOException {
        long size = channel.size();
        if (size < LENGTH_BYTES) {
            throw new ModelFileException(file, "is " + size + " bytes long, too short for the "
                    + LENGTH_BYTES + "-byte header length of a safetensors file");
        }
        long headerLength = readFully(channel, 0, LENGTH_BYTES, file).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLength < 0 || headerLength > size - LENGTH_BYTES) {
            throw new ModelFileException(file, "header length " + Long.toUnsignedString(headerLength)
                    + " (bytes 0-7) runs past the end of the file (" + size
                    + " bytes): the file is truncated or not a safetensors file");
        }
        if (headerLength > MAX_HEADER_LENGTH) {
            throw new ModelFileException(file, "header length " + headerLength + " (bytes 0-7) exceeds the "
                    + MAX_HEADER_LENGTH + "-byte limit of the safetensors format");
        }
        ByteBuffer headerBytes = readFully(channel, LENGTH_BYTES, (int) headerLength, file);
        long dataStart = LENGTH_BYTES + headerLength;
        long dataLength = size - dataStart;
        JsonNode header = parseHeader(file, headerBytes.array(), headerLength);
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = header.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (field.getKey().equals(METADATA_KEY)) {
                readMetadata(file, field.getValue(), metadata);
            } else {
                TensorInfo info = readTensorInfo(file, field.getKey(), field.getValue(), dataLength, dataStart);
                tensors.put(info.name(), info);
            }
        }
        requireContiguous(file, tensors.values(), dataLength, dataStart);
        return new SafeTensors(file, metadata, tensors, channel, dataStart);
    }

    private static JsonNode parseHeader(Path file, byte[] bytes, long headerLength) throws ModelFileException {
        // The reference implementation also demands that the header open with '{'.
        if (bytes.length == 0 || bytes[0] != '{') {
            throw new ModelFileException(file, "header (bytes 8-" + (LENGTH_BYTES + headerLength - 1)
                    + ") does not start with '{': not a safetensors file");
        }
        JsonNode header;
        try {
            header = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            long at = e.getLocation() == null ? -1 : e.getLocation().getByteOffset();
            throw new ModelFileException(file, "header (bytes 8-" + (LENGTH_BYTES + headerLength - 1)
                    + ") is not valid JSON" + (at >= 0 ? " at file offset " + (LENGTH_BYTES + at) : "") + ": "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ModelFileException(file, "header is not valid JSON: " + e.getMessage(), e);
        }
        if (header == null || !header.isObject()) {
            throw new ModelFileException(file, "header is not a JSON object");
        }
        return header;
    }

    private static void readMetadata(Path file, JsonNode node, Map<String, String> metadata)
            throws ModelFileException {
        if (!node.isObject()) {
            throw new ModelFileException(file, METADATA_KEY + " must be an object of strings, got " + node.getNodeType());
        }
        Iterator<Map.Entry<String, JsonNode>> entries = node.fields();
        while (entries.hasNext()) {
            Map.Entry<String, JsonNode> entry = entries.next();
            if (!entry.getValue().isTextual()) {
                throw new ModelFileException(file, METADATA_KEY + " value of '" + entry.getKey()
                        + "' must be a string, got " + entry.getValue().getNodeType());
            }
            metadata.put(entry.getKey(), entry.getValue().textValue());
        }
    }

    private static TensorInfo readTensorInfo(Path file, String name, JsonNode node, long dataLength, long dataStart)
            throws ModelFileException {
        String where = "tensor '" + name + "'";
        if (!node.isObject()) {
            throw new ModelFileException(file, where + ": header entry must be an object, got " + node.getNodeType());
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new ModelFileException(file, where + ": missing or non-string 'dtype'");
        }
        DType dtype = Arrays.stream(DType.values()).filter(d -> d.name().equals(dtypeNode.textValue())).findFirst()
                .orElseThrow(() -> new ModelFileException(file, where + ": unknown or unsupported dtype '"
                        + dtypeNode.textValue() + "'; Sightline reads "
                        + Arrays.stream(DType.values()).map(Enum::name).collect(Collectors.joining(", "))));
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new ModelFileException(file, where + ": missing or non-array 'shape'");
        }
        int[] shape = new int[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() < 0) {
                throw new ModelFileException(file, where + ": shape " + shapeNode + " has invalid dimension " + d);
            }
            shape[i] = d.intValue();
        }
        JsonNode offsets = node.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2 || !offsets.get(0).isIntegralNumber()
                || !offsets.get(1).isIntegralNumber() || !offsets.get(0).canConvertToLong()
                || !offsets.get(1).canConvertToLong()) {
            throw new ModelFileException(file, where + ": 'data_offsets' must be [begin, end], got " + offsets);
        }
        long begin = offsets.get(0).longValue();
        long end = offsets.get(1).longValue();
        if (begin < 0 || end < begin) {
            throw new ModelFileException(file, where + ": data_offsets [" + begin + ", " + end + "] are not a range");
        }
        if (end > dataLength) {
            throw new ModelFileException(file, where + ": data_offsets [" + begin + ", " + end
                    + "] end at file offset " + (dataStart + end) + ", past the end of the data section ("
                    + dataLength + " bytes from file offset " + dataStart + "): the file is truncated");
        }
        TensorInfo info = new TensorInfo(name, dtype, shape, begin, end);
        long needed;
        try {
            // Java arrays, and so every tensor Sightline holds, have at most 2^31 - 1 elements.
            if (info.elementCount() > Integer.MAX_VALUE) {
                throw new ArithmeticException();
            }
            needed = info.elementCount() * dtype.bytes();
        } catch (ArithmeticException e) {
            throw new ModelFileException(file, where + ": shape " + Arrays.toString(shape)
                    + " has more than the " + Integer.MAX_VALUE + " elements a tensor can hold");
        }
        if (needed != end - begin) {
            throw new ModelFileException(file, where + ": data_offsets [" + begin + ", " + end + "] hold "
                    + (end - begin) + " bytes but " + dtype + " " + Arrays.toString(shape) + " needs " + needed);
        }
        return info;
    }

    /** The reference implementation accepts only data that the tensors cover exactly, in some order. */
    private static void requireContiguous(Path file, Iterable<TensorInfo> infos, long dataLength, long dataStart)
            throws ModelFileException {
        List<TensorInfo> byOffset = new ArrayList<>();
        infos.forEach(byOffset::add);
        byOffset.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long expected = 0;
        TensorInfo previous = null;
        for (TensorInfo info : byOffset) {
            if (info.begin() < expected) {
                throw new ModelFileException(file, "tensor '" + info.name() + "' data_offsets [" + info.begin() + ", "
                        + info.end() + "] overlap tensor '" + previous.name() + "' [" + previous.begin() + ", "
                        + previous.end() + "] at file offset " + (dataStart + info.begin()));
            }
            if (info.begin() > expected) {
                throw new ModelFileException(file, "tensor '" + info.name() + "' starts at data offset " + info.begin()
                        + " but the previous tensor ends at " + expected + ": a gap of unclaimed bytes at file offset "
                        + (dataStart + expected));
            }
            expected = info.end();
            previous = info;
        }
        if (expected != dataLength) {
            throw new ModelFileException(file, (dataLength - expected) + " bytes after the last tensor (file offset "
                    + (dataStart + expected) + ") belong to no tensor");
        }
    }

    private static ByteBuffer readFully(FileChannel channel, long position, int length, Path file) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        readFully(channel, position, buffer, file);
        buffer.flip();
        return buffer;
    }

    /** Fills {@code buffer}'s remaining bytes from {@code position} on. */
    private static void readFully(FileChannel channel, long position, ByteBuffer buffer, Path file)
            throws IOException {
        int start = buffer.position();
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position + buffer.position() - start);
            if (n < 0) {
                throw new ModelFileException(file, "ends at byte " + (position + buffer.position() - start)
                        + " while reading " + (buffer.limit() - start) + " bytes from offset " + position
                        + ": the file was truncated after it was opened", new EOFException());
            }
        }
    }

    /** The file this was read from. */
    public Path source() {
        return source;
    }

    /** The header's {@code __metadata__} map, in file order; empty if absent. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Tensor names in header order. */
    public Set<String> names() {
        return tensors.keySet();
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** The header entry of {@code name}. */
    public TensorInfo info(String name) throws ModelFileException {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new ModelFileException(source, "has no tensor '" + name + "'");
        }
        return info;
    }

    /** The F32 tensor {@code name}, read from the file. */
    public FloatTensor floatTensor(String name) throws IOException {
        TensorInfo info = requireDType(name, DType.F32);
        float[] values = new float[(int) info.elementCount()];
        FloatBuffer target = FloatBuffer.wrap(values);
        readData(info, chunk -> target.put(chunk.asFloatBuffer()));
        return FloatTensor.wrap(info.shape(), values);
    }

    /** The I64 tensor {@code name}, flattened row-major, read from the file. */
    public long[] longs(String name) throws IOException {
        TensorInfo info = requireDType(name, DType.I64);
        long[] values = new long[(int) info.elementCount()];
        LongBuffer target = LongBuffer.wrap(values);
        readData(info, chunk -> target.put(chunk.asLongBuffer()));
        return values;
    }

    /**
     * Hands the tensor's bytes to {@code sink} in little-endian chunks of whole elements, so that
     * reading never needs a second copy of the tensor.
     */
    private void readData(TensorInfo info, Consumer<ByteBuffer> sink) throws IOException {
        long length = info.end() - info.begin();
        ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(CHUNK_BYTES, length)).order(ByteOrder.LITTLE_ENDIAN);
        for (long done = 0; done < length; done += chunk.limit()) {
            chunk.clear().limit((int) Math.min(chunk.capacity(), length - done));
            readFully(channel, dataStart + info.begin() + done, chunk, source);
            chunk.flip();
            sink.accept(chunk);
        }
    }

    /** Closes the file. */
    @Override
    public void close() throws IOException {
        channel.close();
    }

    private TensorInfo requireDType(String name, DType expected) throws ModelFileException {
        TensorInfo info = info(name);
        if (info.dtype() != expected) {
            throw new ModelFileException(source, "tensor '" + name + "' (file offset " + (dataStart + info.begin())
                    + ") is " + info.dtype() + ", expected " + expected);
        }
        return info;
    }

    public static Writer writer() {
        return new Writer();
    }

    /** Collects metadata and tensors, then writes them as one safetensors file. */
    public static final class Writer {
        private final Map<String, String> metadata = new LinkedHashMap<>();
        private final Map<String, Pending> tensors = new LinkedHashMap<>();

        private record Pending(DType dtype, int[] shape, FloatTensor floats, long[] longs) {
            long bytes() {
                return (long) (floats != null ? floats.size() : longs.length) * dtype.bytes();
            }
        }

        private Writer() {
        }

        public Writer metadata(String key, String value) {
            metadata.put(Objects.requireNonNull(key, "metadata key"), Objects.requireNonNull(value, key));
            return this;
        }

        /** Adds an F32 tensor. */
        public Writer put(String name, FloatTensor tensor) {
            return add(name, new Pending(DType.F32, tensor.shape(), tensor, null));
        }

        /** Adds an I64 tensor of {@code shape} holding {@code values} row-major. */
        public Writer putLongs(String name, int[] shape, long[] values) {
            long count = 1;
            for (int d : shape) {
                count *= d;
            }
            if (count != values.length) {
                throw new IllegalArgumentException("Tensor '" + name + "' of shape " + Arrays.toString(shape) + " needs "
                        + count + " values, got " + values.length);
            }
            return add(name, new Pending(DType.I64, shape.clone(), null, values.clone()));
        }

        private Writer add(String name, Pending pending) {
            Objects.requireNonNull(name, "tensor name");
            if (name.isEmpty() || name.equals(METADATA_KEY)) {
                throw new IllegalArgumentException("Invalid tensor name '" + name + "'");
            }
            if (tensors.putIfAbsent(name, pending) != null) {
                throw new IllegalArgumentException("Tensor '" + name + "' given twice");
            }
            return this;
        }

        /** The JSON header, padded with spaces to a multiple of 8 bytes. */
        byte[] header() {
            ObjectNode root = JSON.createObjectNode();
            if (!metadata.isEmpty()) {
                ObjectNode meta = root.putObject(METADATA_KEY);
                metadata.forEach(meta::put);
            }
            long offset = 0;
            for (Map.Entry<String, Pending> entry : tensors.entrySet()) {
                Pending p = entry.getValue();
                ObjectNode node = root.putObject(entry.getKey());
                node.put("dtype", p.dtype().name());
                ArrayNode shape = node.putArray("shape");
                for (int d : p.shape()) {
                    shape.add(d);
                }
                node.putArray("data_offsets").add(offset).add(offset + p.bytes());
                offset += p.bytes();
            }
            byte[] json;
            try {
                json = JSON.writeValueAsBytes(root);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("Cannot serialize a safetensors header", e);
            }
            int padded = (json.length + 7) / 8 * 8;
            byte[] header = Arrays.copyOf(json, padded);
            Arrays.fill(header, json.length, padded, (byte) ' ');
            return header;
        }

        /** Writes the file atomically: the previous {@code file} survives any failure. */
        public void writeTo(Path file) throws IOException {
            AtomicFile.write(file, this::writeTo);
        }

        public void writeTo(WritableByteChannel channel) throws IOException {
            byte[] header = header();
            ByteBuffer length = ByteBuffer.allocate(LENGTH_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            length.putLong(header.length).flip();
            writeFully(channel, length);
            writeFully(channel, ByteBuffer.wrap(header));
            ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (Pending p : tensors.values()) {
                if (p.floats() != null) {
                    writeFloats(channel, p.floats().buffer(), chunk);
                } else {
                    writeLongs(channel, LongBuffer.wrap(p.longs()), chunk);
                }
            }
        }

        private static void writeFloats(WritableByteChannel channel, FloatBuffer source, ByteBuffer chunk)
                throws IOException {
            while (source.hasRemaining()) {
                int n = Math.min(source.remaining(), chunk.capacity() / Float.BYTES);
                chunk.clear();
                chunk.asFloatBuffer().put(source.slice().limit(n));
                source.position(source.position() + n);
                chunk.limit(n * Float.BYTES);
                writeFully(channel, chunk);
            }
        }

        private static void writeLongs(WritableByteChannel channel, LongBuffer source, ByteBuffer chunk)
                throws IOException {
            while (source.hasRemaining()) {
                int n = Math.min(source.remaining(), chunk.capacity() / Long.BYTES);
                chunk.clear();
                chunk.asLongBuffer().put(source.slice().limit(n));
                source.position(source.position() + n);
                chunk.limit(n * Long.BYTES);
                writeFully(channel, chunk);
            }
        }

        private static void writeFully(WritableByteChannel channel, ByteBuffer buffer) throws IOException {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }
    }
}
