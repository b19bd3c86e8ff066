// test_upstream: a scriptable HTTP/1.1 origin for integration tests and benchmarks.
//   test_upstream --listen 127.0.0.1:0 --name NAME [--threads N]
//                 [--idle-close-ms MS] [--allowed-host HOST] [--hang-up-on-request K]
//                 [--answer-status CODE] [--tls-cert FILE --tls-key FILE]
// --idle-close-ms to --answer-status make it misbehave the way real backends do (see ServerState
// in server.hpp). --tls-cert/--tls-key (PEM chain, PEM key) make it serve HTTPS instead of HTTP,
// the same endpoints over TLS (1.2 or 1.3, ALPN http/1.1 when the client offers it).
// Prints "test_upstream NAME listening on HOST:PORT" once bound; exits 0 on SIGTERM/SIGINT.
// Each thread runs its own io_context and acceptor (SO_REUSEPORT when N > 1), so threads share
// nothing but the /__stats counters.
// GCC 12 reports a false -Wnull-dereference inside Asio's any_io_executor comparison when it is
// inlined here; silence it for the headers only (they come in first, through server.hpp too).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include "server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#pragma GCC diagnostic pop

#include <csignal>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using cutover::test::upstream::ServerState;

constexpr int kMaxThreads = 256;
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string name = "upstream";
  int threads = 1;
  cutover::test::upstream::Misbehaviour misbehaviour;
  std::string tls_cert;  // both set: HTTPS
  std::string tls_key;
};

std::optional<Options> parse_options(int argc, char** argv, std::string& error) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) {
      error = "missing value for " + arg;
      return std::nullopt;
    }
    const std::string value = argv[++i];
    if (arg == "--listen") {
      const auto colon = value.rfind(':');
      const auto port =
          colon == std::string::npos ? std::nullopt : cutover::test::upstream::parse_uint(value.substr(colon + 1));
      if (!port || *port > 65535) {
        error = "--listen wants HOST:PORT, got " + value;
        return std::nullopt;
      }
      options.host = value.substr(0, colon);
      options.port = static_cast<std::uint16_t>(*port);
    } else if (arg == "--name") {
      options.name = value;
    } else if (arg == "--threads") {
      const auto n = cutover::test::upstream::parse_uint(value);
      if (!n || *n < 1 || *n > kMaxThreads) {
        error = "--threads wants 1.." + std::to_string(kMaxThreads);
        return std::nullopt;
      }
      options.threads = static_cast<int>(*n);
    } else if (arg == "--idle-close-ms") {
      const auto ms = cutover::test::upstream::parse_uint(value);
      if (!ms || *ms < 1 || *ms > 3'600'000) {
        error = "--idle-close-ms wants 1..3600000";
        return std::nullopt;
      }
      options.misbehaviour.idle_close = std::chrono::milliseconds(*ms);
    } else if (arg == "--allowed-host") {
      options.misbehaviour.allowed_host = value;
    } else if (arg == "--hang-up-on-request") {
      const auto k = cutover::test::upstream::parse_uint(value);
      if (!k || *k < 1 || *k > 1'000'000) {
        error = "--hang-up-on-request wants 1..1000000";
        return std::nullopt;
      }
      options.misbehaviour.hang_up_on_request = *k;
    } else if (arg == "--answer-status") {
      const auto status = cutover::test::upstream::parse_uint(value);
      if (!status || *status < 200 || *status > 599) {
        error = "--answer-status wants 200..599";
        return std::nullopt;
      }
      options.misbehaviour.answer_status = static_cast<unsigned>(*status);
    } else if (arg == "--tls-cert") {
      options.tls_cert = value;
    } else if (arg == "--tls-key") {
      options.tls_key = value;
    } else {
      error = "unknown option " + arg;
      return std::nullopt;
    }
  }
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    error = "--tls-cert and --tls-key go together";
    return std::nullopt;
  }
  return options;
}

// The server context of --tls-cert/--tls-key: TLS 1.2 and up, the client's ALPN list answered
// with http/1.1 when it is in it (and no ALPN otherwise). Throws when a file does not load.
std::unique_ptr<asio::ssl::context> make_tls_context(const Options& options) {
  auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  context->use_certificate_chain_file(options.tls_cert);
  context->use_private_key_file(options.tls_key, asio::ssl::context::pem);
  SSL_CTX_set_alpn_select_cb(
      context->native_handle(),
      [](SSL*, const unsigned char** out, unsigned char* out_size, const unsigned char* in, unsigned in_size, void*) {
        static constexpr unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
        unsigned char* selected = nullptr;
        if (SSL_select_next_proto(&selected, out_size, kHttp11, sizeof kHttp11, in, in_size) !=
            OPENSSL_NPN_NEGOTIATED) {
          return SSL_TLSEXT_ERR_NOACK;
        }
        *out = selected;
        return SSL_TLSEXT_ERR_OK;
      },
      nullptr);
  return context;
}

// `tls` null: plain HTTP.
asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, ServerState& state, asio::ssl::context* tls) {
  constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kUseTuple);
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // Out of descriptors and the like: back off instead of spinning on the same error.
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(kUseTuple);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    // One broken session never takes the server down.
    if (tls != nullptr) {
      asio::co_spawn(acceptor.get_executor(), cutover::test::upstream::run_tls_session(std::move(socket), *tls, state),
                     [](const std::exception_ptr&) {});
    } else {
      asio::co_spawn(acceptor.get_executor(), cutover::test::upstream::run_session(std::move(socket), state),
                     [](const std::exception_ptr&) {});
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string error;
  const auto options = parse_options(argc, argv, error);
  if (!options) {
    std::cerr << "test_upstream: " << error
              << "\nusage: test_upstream --listen HOST:PORT --name NAME [--threads N] [--idle-close-ms MS]"
                 " [--allowed-host HOST] [--hang-up-on-request K] [--answer-status CODE]"
                 " [--tls-cert FILE --tls-key FILE]\n";
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);

  ServerState state{.name = options->name, .stats = {}, .misbehaviour = options->misbehaviour};
  std::unique_ptr<asio::ssl::context> tls;
  if (!options->tls_cert.empty()) {
    try {
      tls = make_tls_context(*options);
    } catch (const std::exception& e) {
      std::cerr << "test_upstream: cannot load --tls-cert " << options->tls_cert << " / --tls-key " << options->tls_key
                << ": " << e.what() << "\n";
      return 1;
    }
  }
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  tcp::endpoint endpoint;
  try {
    endpoint = tcp::endpoint(asio::ip::make_address(options->host), options->port);
    for (int i = 0; i < options->threads; ++i) {
      auto& context = contexts.emplace_back(std::make_unique<asio::io_context>(1));
      auto& acceptor = acceptors.emplace_back(std::make_unique<tcp::acceptor>(*context));
      acceptor->open(endpoint.protocol());
      acceptor->set_option(tcp::acceptor::reuse_address(true));
      if (options->threads > 1) acceptor->set_option(ReusePort(true));
      acceptor->bind(endpoint);
      acceptor->listen(asio::socket_base::max_listen_connections);
      endpoint = acceptor->local_endpoint();  // later threads bind the port the first one got
    }
  } catch (const std::exception& e) {
    std::cerr << "test_upstream: cannot listen on " << options->host << ":" << options->port << ": " << e.what()
              << "\n";
    return 1;
  }

  for (std::size_t i = 0; i < contexts.size(); ++i) {
    asio::co_spawn(*contexts[i], accept_loop(*acceptors[i], state, tls.get()), asio::detached);
  }
  // Held by pointer so it can go before the io_context it was made on (TSan caught the reverse).
  auto signals = std::make_unique<asio::signal_set>(*contexts[0], SIGINT, SIGTERM);
  signals->async_wait([&contexts](const boost::system::error_code&, int) {
    for (auto& context : contexts) context->stop();
  });
  std::cout << "test_upstream " << options->name << " listening on " << endpoint.address().to_string() << ":"
            << endpoint.port() << std::endl;

  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < contexts.size(); ++i) {
    threads.emplace_back([&context = *contexts[i]] { context.run(); });
  }
  contexts[0]->run();
  for (auto& thread : threads) thread.join();
  // Sessions still open die with their io_context; the signal set and acceptors go first since
  // they borrow one.
  signals.reset();
  acceptors.clear();
  contexts.clear();
  return 0;
}
