// SPDX-License-Identifier: BSD-2-Clause
// Giving freed heap memory back to the system.
#pragma once

namespace skagent {

// Returns the free pages malloc keeps for later (after a large reply or frame was freed) to the
// system, so an idle agent's resident size is what it holds, not its largest burst.
void release_free_memory();

}  // namespace skagent
