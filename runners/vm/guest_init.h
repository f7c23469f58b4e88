// sigctx as a VM guest's /init (sigctx vm). As PID 1 it mounts what the cases need, runs
// `sigctx run` with the arguments the host packed into the initramfs as an ordinary child (PID 1
// may not die, and ignores signals a case relies on), sends the result file to the host on the
// second serial port, prints the final console line, and powers the machine off: QEMU's
// isa-debug-exit port, bochs' shutdown port, then reboot(2) for anything else.
#pragma once

namespace sigctx {

// True when this process should act as the guest's init: PID 1 with the host's argument file.
bool is_guest_init();
// Never returns.
[[noreturn]] void guest_init_main();

}  // namespace sigctx
