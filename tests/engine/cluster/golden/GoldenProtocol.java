// Prints Connect 4.3.1's own encodings of group metadata and assignments as `name hex` lines,
// the golden bytes tests/engine/cluster/test_protocol.py compares engine/cluster/protocol.py with.
// Run: javac -cp "$LIBS/*" -d /tmp/gp GoldenProtocol.java && java -cp "/tmp/gp:$LIBS/*" GoldenProtocol
// with LIBS=~/.cache/kconnect/connect-4.3.1/libs (on a JDK 17, like the recorded output).
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.apache.kafka.connect.runtime.distributed.ConnectProtocol;
import org.apache.kafka.connect.runtime.distributed.ExtendedAssignment;
import org.apache.kafka.connect.runtime.distributed.ExtendedWorkerState;
import org.apache.kafka.connect.runtime.distributed.IncrementalCooperativeConnectProtocol;
import org.apache.kafka.connect.util.ConnectorTaskId;

public class GoldenProtocol {
    static void print(String name, ByteBuffer buffer) {
        StringBuilder sb = new StringBuilder();
        if (buffer == null) {
            System.out.println(name + " null");
            return;
        }
        ByteBuffer b = buffer.duplicate();
        while (b.hasRemaining()) sb.append(String.format("%02x", b.get()));
        System.out.println(name + " " + sb);
    }

    static ConnectorTaskId t(String c, int n) {
        return new ConnectorTaskId(c, n);
    }

    public static void main(String[] args) {
        List<String> many = Arrays.asList("orders", "connector1", "connector2", "b", "a", "zeta-sink", "connector10");
        List<ConnectorTaskId> tasks = Arrays.asList(t("connector1", 0), t("orders", 2), t("connector1", 1), t("x", 0));
        print("metadata_v0", ConnectProtocol.serializeMetadata(new ConnectProtocol.WorkerState("http://10.0.0.5:8083/", 42L)));
        ExtendedAssignment current = new ExtendedAssignment((short) 1, (short) 0, "leader-1", "http://l:8083/", 7L,
                Arrays.asList("orders", "a"), Arrays.asList(t("orders", 0), t("orders", 1)),
                Collections.emptyList(), Collections.emptyList(), 0);
        print("metadata_v1_null", IncrementalCooperativeConnectProtocol.serializeMetadata(
                new ExtendedWorkerState("http://w1:8083/", -1L, null), false));
        print("metadata_v1", IncrementalCooperativeConnectProtocol.serializeMetadata(
                new ExtendedWorkerState("http://w1:8083/", 12L, current), false));
        print("metadata_v2", IncrementalCooperativeConnectProtocol.serializeMetadata(
                new ExtendedWorkerState("http://w1:8083/", 12L, current), true));
        print("assignment_v0", ConnectProtocol.serializeAssignment(new ConnectProtocol.Assignment(
                (short) 0, "member-1", "http://leader:8083/", 99L, many, tasks)));
        print("assignment_v0_mismatch", ConnectProtocol.serializeAssignment(new ConnectProtocol.Assignment(
                (short) 1, "member-1", "http://leader:8083/", 99L, Collections.emptyList(), Collections.emptyList())));
        ExtendedAssignment full = new ExtendedAssignment((short) 1, (short) 0, "member-1", "http://leader:8083/", 99L,
                many, tasks, Arrays.asList("old", "b", "old"), Arrays.asList(t("old", 3), t("b", 0)), 12345);
        print("assignment_v1", IncrementalCooperativeConnectProtocol.serializeAssignment(full, false));
        print("assignment_v2", IncrementalCooperativeConnectProtocol.serializeAssignment(full, true));
        print("assignment_v2_empty", IncrementalCooperativeConnectProtocol.serializeAssignment(new ExtendedAssignment(
                (short) 2, (short) 0, "m", "u", 0L, Collections.emptyList(), Collections.emptyList(),
                Collections.emptyList(), Collections.emptyList(), 0), true));
    }
}
