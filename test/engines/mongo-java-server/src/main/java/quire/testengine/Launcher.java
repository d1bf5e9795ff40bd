// Starts mongo-java-server (memory backend) for Quire's tests on 127.0.0.1 and prints one line,
// "listening 127.0.0.1:<port>", once it accepts connections. Usage: java -jar launcher.jar [port]
// (0 or none: a free port). It stops when its standard input closes, so it never outlives the test run
// that started it, even one killed with SIGKILL.
package quire.testengine;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

public final class Launcher {

    // mongo-java-server 1.47.0 reports version 5.0 with wire version 8, which the driver inside Mongoose 9
    // (mongodb 7.8: MIN_SUPPORTED_WIRE_VERSION 9) refuses. Quire's contract is MongoDB 6+, so the server
    // says it is 6.0 (wire version 17): the driver talks to it as to the oldest MongoDB Quire supports.
    static final MongoVersion MONGO_6_0 = new MongoVersion() {
        @Override
        public List<Integer> getVersionArray() {
            return List.of(6, 0, 0);
        }

        @Override
        public int getWireVersion() {
            return 17;
        }
    };

    private Launcher() {
    }

    public static void main(String[] args) throws IOException {
        // Before the first logger exists: warnings and errors only, on stderr.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");

        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        MongoServer server = new MongoServer(new MemoryBackend().version(MONGO_6_0));
        server.bind(new InetSocketAddress("127.0.0.1", port));
        InetSocketAddress bound = server.getLocalAddress();
        System.out.println("listening 127.0.0.1:" + bound.getPort());
        System.out.flush();

        // Standard input is the lifeline: EOF means the process that started us is gone.
        while (System.in.read() != -1) {
            // input is ignored
        }
        server.shutdownNow();
        System.exit(0);
    }
}
