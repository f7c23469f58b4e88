// What CLI11 lets through and sigctx must not: an empty value, a value that is really the next
// option (`--json --verbose`), NaN or infinity for a number of seconds, a negative count that
// wraps to 2^64-1. Applied to every option of every command, so a new option is covered when it
// is declared.
#pragma once

namespace CLI {
class App;
}

namespace sigctx {

// Adds the checks to every option that takes a value, in `app` and all its subcommands, by the
// type CLI11 records for it (FLOAT, UINT, INT, TEXT).
void check_every_value(CLI::App* app);

}  // namespace sigctx
