/* avx512_memclr: ZMM0 zeroed once, 64-byte VMOVDQU64 stores of it over [rdi, rdi + rcx) while
 * 64 or more bytes remain, then the tail with one VMOVDQU8 under an opmask of its length in k1,
 * as AVX-512 memset implementations finish. A kernel that loses ZMM0's upper 256 bits or k1
 * across a signal (darwin-opmask) writes the handler's values or misses the tail. rcx > 0. */
#include "xstate/routines/routine_asm.h"

SIGCTX_ROUTINE(avx512_memclr)
  vpxorq %zmm0, %zmm0, %zmm0
  cmp $64, %rcx
  jb 2f
1:
  vmovdqu64 %zmm0, 0(%rdi)
  add $64, %rdi
  sub $64, %rcx
  cmp $64, %rcx
  jae 1b
2:
  /* k1 = (1 << rcx) - 1, the tail's bytes (rcx < 64). */
  mov $1, %eax
  shl %cl, %rax
  dec %rax
  kmovq %rax, %k1
  vmovdqu8 %zmm0, 0(%rdi){%k1}
  add %rcx, %rdi
  xor %ecx, %ecx
  ret
SIGCTX_ROUTINE_CODE_END(avx512_memclr)
SIGCTX_ROUTINE_END(avx512_memclr)

SIGCTX_NOEXECSTACK
