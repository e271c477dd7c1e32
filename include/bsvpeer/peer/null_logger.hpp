#pragma once
// Moved to the `log` room (bsvpeer/log/null_logger.hpp); kept so code that includes this path
// still builds.
#include <bsvpeer/log/null_logger.hpp>
