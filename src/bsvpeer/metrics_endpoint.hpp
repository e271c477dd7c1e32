#pragma once
// /metrics for Prometheus on its own listener (-metricsbind): GET /metrics answers the node's
// metrics in the text exposition format; any other path is 404, any other method 405.
#include "http_server.hpp"

#include <bsvpeer/node/manager.hpp>

#include <functional>
#include <memory>
#include <string>

namespace bsvpeer::program {

// The answer to one request, `page` called only for GET /metrics (pure: unit-tested).
HttpResponse metrics_response(const HttpRequest& request, const std::function<std::string()>& page);

// The handler serving `manager`'s metrics (holds it weakly: 503 once it is gone).
HttpHandler metrics_handler(std::weak_ptr<node::Manager> manager);

}  // namespace bsvpeer::program
