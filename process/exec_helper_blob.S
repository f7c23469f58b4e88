/* The exec helper program (exec_entry.S, linked on its own) as bytes inside sigctx, so that a
 * static sigctx copied alone to another machine or into an initramfs still has it. */
  .section .rodata
  .balign 64
  .globl sigctx_exec_helper_start
  .hidden sigctx_exec_helper_start
  .globl sigctx_exec_helper_end
  .hidden sigctx_exec_helper_end
sigctx_exec_helper_start:
  .incbin SIGCTX_EXEC_HELPER_PATH
sigctx_exec_helper_end:

  .section .note.GNU-stack, "", @progbits
