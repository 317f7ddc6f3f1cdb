package org.sightline.data;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** An HTTP server on 127.0.0.1 standing in for dataset hosts: serves, fails or cuts off bodies. */
final class LocalHttpServer implements AutoCloseable {
    private final HttpServer server;
    private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();

    private LocalHttpServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.start();
    }

    static LocalHttpServer start() throws IOException {
        return new LocalHttpServer();
    }

    /** Answers {@code path} with {@code body}, complete. */
    void serve(String path, byte[] body) {
        handle(path, exchange -> {
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
    }

    /** Answers {@code path} with an HTTP error status. */
    void fail(String path, int status) {
        handle(path, exchange -> {
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
    }

    /** Announces {@code body.length} bytes for {@code path}, sends only {@code sent}, then drops the connection. */
    void truncate(String path, byte[] body, int sent) {
        handle(path, exchange -> {
            exchange.sendResponseHeaders(200, body.length);
            OutputStream out = exchange.getResponseBody();
            out.write(body, 0, sent);
            out.flush();
            exchange.close();
        });
    }

    URI uri(String path) {
        return URI.create("http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort() + path);
    }

    int requests(String path) {
        return requests.getOrDefault(path, new AtomicInteger()).get();
    }

    /** A URI on a local port nobody listens on: the connection is refused, as offline. */
    static URI unreachable(String path) throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private interface Responder {
        void respond(HttpExchange exchange) throws IOException;
    }

    private void handle(String path, Responder responder) {
        requests.put(path, new AtomicInteger());
        server.createContext(path, exchange -> {
            requests.get(path).incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            responder.respond(exchange);
        });
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
