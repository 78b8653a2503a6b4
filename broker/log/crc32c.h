/*
 * crc32c — CRC-32C (Castagnoli), the checksum of Kafka's RecordBatch v2.
 *
 * The reflected polynomial 0x82F63B78 with initial value and final XOR
 * 0xFFFFFFFF, as in RFC 3720 (iSCSI) and java.util.zip.CRC32C, which Kafka
 * uses. The implementation is slicing-by-8 over constant tables; it keeps no
 * state of its own, so any number of nodes in one process may call it.
 * Ownership: the functions only read the caller's bytes.
 */
#ifndef KSIM_CRC32C_H
#define KSIM_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * Extends `crc`, the finished CRC-32C of some earlier bytes (0 for none),
 * with the n bytes at p and returns the finished CRC of the concatenation:
 * crc32c_update(crc32c_update(0, a, na), b, nb) == CRC of a followed by b.
 * p may be NULL when n is 0. Never fails.
 */
uint32_t crc32c_update(uint32_t crc, const void *p, size_t n);

/* The CRC-32C of the n bytes at p; crc32c("123456789", 9) == 0xE3069283. */
uint32_t crc32c(const void *p, size_t n);

#endif
