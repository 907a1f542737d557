/**
 * Keeps the C allocator from handing memory back to the system between datagrams.
 *
 * Node's UDP receive path allocates for every datagram: a 64 KiB buffer to receive into, then a
 * backing store of the datagram's size that it copies into (`UDPWrap::OnRecv`), freeing the
 * first. With glibc's start-up thresholds (128 KiB) each free that leaves that much at the top
 * of the heap gives it back to the system, and the next datagram maps it again: a page fault per
 * 4 KiB, 13-15 µs each on our machines. A subscriber of 1 KB messages took 0.04-0.05 faults per
 * message, 1.3-1.6 per 32 KiB datagram (docs/PROFILE.md).
 *
 * glibc raises both thresholds by itself when a block it had mapped on its own is freed: the
 * mapping threshold to that block's size, the trim threshold to twice it (up to 32 MiB). So one
 * array buffer of about 16 MiB, allocated and dropped, has the process keep up to 32 MiB of freed
 * heap instead of unmapping it: calloc maps it fresh (zero pages, nothing touched, nothing
 * resident), and the garbage collector frees it. Other allocators (musl) ignore it. It is done
 * once per thread that opens sockets (the thresholds are the process's).
 */

/** Size of the block dropped: under glibc's 32 MiB bound for raising the thresholds, with room for its header. */
export const THRESHOLD_BLOCK_BYTES = 16 * 1024 * 1024 - 64 * 1024;

let raised = false;

/** Drops one mapped block (once per thread) so that glibc keeps freed heap (see the module's doc). */
export function raiseAllocatorThresholds(): void {
  if (raised) return;
  raised = true;
  void new ArrayBuffer(THRESHOLD_BLOCK_BYTES);
}
