#pragma once
// What a worker's upstream pool learns from outside it: from each new config, the endpoints it
// sends to and their backends' idle_timeout (Pool::configure); from the reactor, whether an idle
// socket has heard from its backend (the pool's sweep, idle_policy.hpp).
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "cutover/runtime/snapshot.hpp"
#include "cutover/upstream/pool.hpp"

namespace cutover::http {

// Every endpoint of every backend in `snapshot`, with that backend's idle_timeout. Pure.
std::vector<upstream::EndpointPolicy> pool_policies(const runtime::Snapshot& snapshot);

// True when the backend closed `socket`, wrote to it or reset it since it went idle. Peeks (one
// recv(MSG_PEEK)) only when the reactor has seen a readable event on it since a read last found
// it empty (read_readiness.hpp): nearly every idle socket costs no system call per sweep.
bool idle_peer_gone(boost::asio::ip::tcp::socket& socket);

}  // namespace cutover::http
