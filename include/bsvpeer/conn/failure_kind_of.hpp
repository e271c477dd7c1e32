#pragma once
// Maps why a connection ended onto what it means for retrying it (Backoff, RestartWindow).
#include <bsvpeer/conn/backoff.hpp>
#include <bsvpeer/conn/disconnect_reason.hpp>

#include <optional>

namespace bsvpeer::conn {

// nullopt for our own decisions (local request, shutdown, over capacity): nothing to retry.
std::optional<FailureKind> failure_kind_of(DisconnectReason reason) noexcept;

}  // namespace bsvpeer::conn
