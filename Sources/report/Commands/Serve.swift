import ArgumentParser
import Foundation
import Logging
import Server

extension Report {
  /// `report serve`: every run live in a browser, and any run's model recognising drawn digits.
  struct Serve: AsyncParsableCommand, OutputCommand {
    static let configuration = CommandConfiguration(
      abstract: "Serve the runs page, live run reports and draw-a-digit pages on a local port.",
      discussion:
        "Serves until Ctrl-C or SIGTERM. Binds 127.0.0.1 unless --host says otherwise; the server "
        + "only reads runs and serves nothing outside the output folder.")

    @Option(help: "The address to listen on (anything but loopback is reachable from the network).")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free port, printed).")
    var port = 8787

    @OptionGroup var options: OutputOptions

    func validate() throws {
      guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
    }

    func run() async throws {
      if !["127.0.0.1", "localhost", "::1"].contains(host) {
        logger.warning(
          "serving on \(host): anyone who can reach this machine can read every run and report")
      }
      let server = RunServer(catalog: options.catalog())
      let host = host
      var serverLogger = Logger(label: "report.serve")
      serverLogger.logLevel = .warning
      let app = server.application(host: host, port: port, logger: serverLogger) { port in
        let shown = host.contains(":") ? "[\(host)]" : host
        print("report serve: http://\(shown):\(port)/ (Ctrl-C stops)")
        fflush(stdout)
      }
      try await app.runService()
    }
  }
}
