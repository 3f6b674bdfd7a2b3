/*
 * Regenerates the expectations of the JsonConverter golden files by running Connect's own
 * JsonConverter on each case's input. Inputs ("config", "to_connect", "from_connect",
 * "configure") are never changed; every "expect" object is recomputed.
 *
 * Usage (see ../README.md): java -cp '<connect-json, connect-api and their deps>/*' \
 *     GenerateGolden.java tests/compat/golden/json_converter
 */
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.json.JsonConverter;

import java.io.File;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public class GenerateGolden {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final JsonNodeFactory F = JsonNodeFactory.instance;
    static final long DAY = 24L * 60 * 60 * 1000;

    public static void main(String[] args) throws Exception {
        File dir = new File(args[0]);
        File[] files = dir.listFiles((d, n) -> n.endsWith(".json"));
        java.util.Arrays.sort(files);
        for (File file : files) {
            ObjectNode root = (ObjectNode) MAPPER.readTree(file);
            Map<String, Object> config = new HashMap<>();
            root.path("config").properties().forEach(e -> config.put(e.getKey(), e.getValue().asText()));
            boolean isKey = root.path("is_key").asBoolean(false);
            for (JsonNode c : root.withArray("cases")) {
                ObjectNode kase = (ObjectNode) c;
                kase.set("expect", run(kase, config, isKey));
            }
            DefaultPrettyPrinter pp = new DefaultPrettyPrinter().withObjectIndenter(new DefaultIndenter("  ", "\n"));
            String text = MAPPER.writer(pp).writeValueAsString(root) + "\n";
            java.nio.file.Files.writeString(file.toPath(), text);
            System.out.println("wrote " + file);
        }
    }

    static JsonConverter converter(Map<String, Object> config, boolean isKey) {
        JsonConverter conv = new JsonConverter();
        conv.configure(config, isKey);
        return conv;
    }

    static ObjectNode run(ObjectNode kase, Map<String, Object> config, boolean isKey) {
        ObjectNode expect = F.objectNode();
        try {
            if (kase.has("configure")) {
                Map<String, Object> props = new HashMap<>(config);
                kase.get("configure").properties().forEach(e -> props.put(e.getKey(), e.getValue().asText()));
                converter(props, isKey);
                expect.put("ok", true);
            } else if (kase.has("to_connect")) {
                SchemaAndValue sv = converter(config, isKey).toConnectData("topic", inputBytes(kase.get("to_connect")));
                expect.set("schema", describeSchema(sv.schema()));
                expect.set("value", describe(sv.value(), sv.schema()));
            } else {
                JsonNode in = kase.get("from_connect");
                Schema schema = buildSchema(in.get("schema"));
                Object value = buildValue(schema, in.get("value"));
                JsonConverter conv = converter(config, isKey);
                byte[] out = conv.fromConnectData("topic", schema, value);
                if (out == null) {
                    expect.putNull("bytes");
                } else {
                    expect.put("bytes", new String(out, StandardCharsets.UTF_8));
                    try {
                        SchemaAndValue back = converter(config, isKey).toConnectData("topic", out);
                        ObjectNode rb = F.objectNode();
                        rb.set("schema", describeSchema(back.schema()));
                        rb.set("value", describe(back.value(), back.schema()));
                        expect.set("read_back", rb);
                    } catch (Exception e) {
                        expect.put("read_back_error", e.getMessage());
                    }
                }
            }
        } catch (Exception e) {
            expect.removeAll();
            expect.put("error", e.getMessage());
        }
        return expect;
    }

    static byte[] inputBytes(JsonNode in) {
        if (in.isNull()) return null;
        if (in.isTextual()) return in.asText().getBytes(StandardCharsets.UTF_8);
        String hex = in.get("hex").asText().replace(" ", "");
        byte[] b = new byte[hex.length() / 2];
        for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        return b;
    }

    static String typeName(Schema.Type t) {
        switch (t) {
            case FLOAT32: return "float";
            case FLOAT64: return "double";
            default: return t.getName();
        }
    }

    static JsonNode describeSchema(Schema s) {
        if (s == null) return F.nullNode();
        ObjectNode o = F.objectNode();
        o.put("type", typeName(s.type()));
        switch (s.type()) {
            case ARRAY: o.set("items", describeSchema(s.valueSchema())); break;
            case MAP: o.set("keys", describeSchema(s.keySchema())); o.set("values", describeSchema(s.valueSchema())); break;
            case STRUCT: {
                ArrayNode fields = o.putArray("fields");
                for (org.apache.kafka.connect.data.Field f : s.fields()) {
                    ObjectNode fo = (ObjectNode) describeSchema(f.schema());
                    fo.put("field", f.name());
                    fields.add(fo);
                }
                break;
            }
            default:
        }
        o.put("optional", s.isOptional());
        if (s.name() != null) o.put("name", s.name());
        if (s.version() != null) o.put("version", s.version());
        if (s.doc() != null) o.put("doc", s.doc());
        if (s.parameters() != null) {
            ObjectNode p = o.putObject("parameters");
            s.parameters().forEach(p::put);
        }
        if (s.defaultValue() != null) o.set("default", describe(s.defaultValue(), s));
        return o;
    }

    static Schema buildSchema(JsonNode d) {
        if (d == null || d.isNull()) return null;
        SchemaBuilder b;
        switch (d.get("type").asText()) {
            case "boolean": b = SchemaBuilder.bool(); break;
            case "int8": b = SchemaBuilder.int8(); break;
            case "int16": b = SchemaBuilder.int16(); break;
            case "int32": b = SchemaBuilder.int32(); break;
            case "int64": b = SchemaBuilder.int64(); break;
            case "float": b = SchemaBuilder.float32(); break;
            case "double": b = SchemaBuilder.float64(); break;
            case "string": b = SchemaBuilder.string(); break;
            case "bytes": b = SchemaBuilder.bytes(); break;
            case "array": b = SchemaBuilder.array(buildSchema(d.get("items"))); break;
            case "map": b = SchemaBuilder.map(buildSchema(d.get("keys")), buildSchema(d.get("values"))); break;
            case "struct":
                b = SchemaBuilder.struct();
                for (JsonNode f : d.get("fields")) b.field(f.get("field").asText(), buildSchema(f));
                break;
            default: throw new IllegalArgumentException("type " + d.get("type"));
        }
        if (d.path("optional").asBoolean(false)) b.optional();
        if (d.has("name")) b.name(d.get("name").asText());
        if (d.has("version")) b.version(d.get("version").asInt());
        if (d.has("doc")) b.doc(d.get("doc").asText());
        if (d.has("parameters")) d.get("parameters").properties().forEach(e -> b.parameter(e.getKey(), e.getValue().asText()));
        if (d.has("default")) b.defaultValue(buildValue(b, d.get("default")));
        return b.build();
    }

    static Object buildValue(Schema s, JsonNode tv) {
        if (tv == null || tv.isNull()) return null;
        String tag = tv.fieldNames().next();
        JsonNode v = tv.get(tag);
        switch (tag) {
            case "boolean": return v.asBoolean();
            case "int8": return (byte) v.asInt();
            case "int16": return (short) v.asInt();
            case "int32": return v.asInt();
            case "int64": return v.asLong();
            case "float32": return v.isTextual() ? Float.parseFloat(v.asText()) : v.floatValue();
            case "float64": return v.isTextual() ? Double.parseDouble(v.asText()) : v.doubleValue();
            case "string": return v.asText();
            case "bytes": return Base64.getDecoder().decode(v.asText());
            case "decimal": return new BigDecimal(v.asText());
            case "date": return new java.util.Date(v.asLong() * DAY);
            case "time":
            case "timestamp": return new java.util.Date(v.asLong());
            case "array": {
                List<Object> out = new ArrayList<>();
                for (JsonNode e : v) out.add(buildValue(s == null ? null : s.valueSchema(), e));
                return out;
            }
            case "map": {
                Map<Object, Object> out = new LinkedHashMap<>();
                for (JsonNode e : v) out.put(buildValue(s == null ? null : s.keySchema(), e.get(0)),
                        buildValue(s == null ? null : s.valueSchema(), e.get(1)));
                return out;
            }
            case "struct": {
                Schema ss = tv.has("struct_schema") ? buildSchema(tv.get("struct_schema")) : s;
                Struct out = new Struct(ss);
                v.properties().forEach(e -> out.put(e.getKey(), buildValue(ss.field(e.getKey()).schema(), e.getValue())));
                return out;
            }
            default: throw new IllegalArgumentException("tag " + tag);
        }
    }

    /**
     * Java strings may hold unpaired surrogates (from "\\ud800" escapes); JSON files and
     * kconnect's Rust strings cannot, so they are written as U+FFFD, which kconnect produces.
     */
    static String wellFormed(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                sb.append(c).append(s.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                sb.append('\uFFFD');
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    static JsonNode floatNode(String tag, double d, String text) {
        ObjectNode o = F.objectNode();
        if (Double.isNaN(d) || Double.isInfinite(d)) o.put(tag, text);
        else if (tag.equals("float32")) o.set(tag, F.numberNode((float) d));
        else o.set(tag, F.numberNode(d));
        return o;
    }

    static JsonNode describe(Object v, Schema s) {
        if (v == null) return F.nullNode();
        ObjectNode o = F.objectNode();
        if (v instanceof Boolean) o.put("boolean", (Boolean) v);
        else if (v instanceof Byte) o.put("int8", (Byte) v);
        else if (v instanceof Short) o.put("int16", (Short) v);
        else if (v instanceof Integer) o.put("int32", (Integer) v);
        else if (v instanceof Long) o.put("int64", (Long) v);
        else if (v instanceof Float) return floatNode("float32", (Float) v, v.toString());
        else if (v instanceof Double) return floatNode("float64", (Double) v, v.toString());
        else if (v instanceof String) o.put("string", wellFormed((String) v));
        else if (v instanceof byte[]) o.put("bytes", Base64.getEncoder().encodeToString((byte[]) v));
        else if (v instanceof ByteBuffer) o.put("bytes", Base64.getEncoder().encodeToString(((ByteBuffer) v).array()));
        else if (v instanceof BigDecimal) o.put("decimal", v.toString());
        else if (v instanceof java.util.Date) {
            long ms = ((java.util.Date) v).getTime();
            String name = s == null ? null : s.name();
            if (Date.LOGICAL_NAME.equals(name)) o.put("date", ms / DAY);
            else if (Time.LOGICAL_NAME.equals(name)) o.put("time", ms);
            else o.put("timestamp", ms);
        } else if (v instanceof List) {
            ArrayNode a = o.putArray("array");
            for (Object e : (List<?>) v) a.add(describe(e, s == null ? null : s.valueSchema()));
        } else if (v instanceof Map) {
            ArrayNode a = o.putArray("map");
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                ArrayNode pair = a.addArray();
                pair.add(describe(e.getKey(), s == null ? null : s.keySchema()));
                pair.add(describe(e.getValue(), s == null ? null : s.valueSchema()));
            }
        } else if (v instanceof Struct) {
            Struct st = (Struct) v;
            ObjectNode fields = o.putObject("struct");
            for (org.apache.kafka.connect.data.Field f : st.schema().fields())
                fields.set(f.name(), describe(st.getWithoutDefault(f.name()), f.schema()));
        } else throw new IllegalArgumentException("class " + v.getClass());
        return o;
    }
}
