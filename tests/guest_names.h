/*
 * Renames the guest runtime's public symbols for host unit tests that
 * compile runtime sources: they then cannot clash with the monitor's.
 */
#ifndef MOTE_TESTS_GUEST_NAMES_H
#define MOTE_TESTS_GUEST_NAMES_H

#define mote_boot_info	   guest_mote_boot_info
#define mote_hypercall	   guest_mote_hypercall
#define mote_console_write guest_mote_console_write
#define mote_monotonic_ns  guest_mote_monotonic_ns
#define mote_wall_ns	   guest_mote_wall_ns
#define mote_wait_until	   guest_mote_wait_until
#define mote_entry_tsc	   guest_mote_entry_tsc

#define mote_virtio_count	guest_mote_virtio_count
#define mote_virtio_device	guest_mote_virtio_device
#define mote_virtio_find	guest_mote_virtio_find
#define mote_virtio_init	guest_mote_virtio_init
#define mote_virtio_queue_setup guest_mote_virtio_queue_setup
#define mote_virtio_driver_ok	guest_mote_virtio_driver_ok
#define mote_virtio_fail	guest_mote_virtio_fail
#define mote_virtio_reset	guest_mote_virtio_reset
#define mote_virtio_status	guest_mote_virtio_status
#define mote_virtio_read32	guest_mote_virtio_read32
#define mote_virtio_write32	guest_mote_virtio_write32
#define mote_virtio_config8	guest_mote_virtio_config8
#define mote_virtio_config16	guest_mote_virtio_config16
#define mote_virtio_config32	guest_mote_virtio_config32
#define mote_virtio_config64	guest_mote_virtio_config64
#define mote_vq_free		guest_mote_vq_free
#define mote_vq_add		guest_mote_vq_add
#define mote_vq_kick		guest_mote_vq_kick
#define mote_vq_get		guest_mote_vq_get
#define mote_vq_pending		guest_mote_vq_pending
#define mote_vq_arm		guest_mote_vq_arm
#define mote_vq_wait		guest_mote_vq_wait

#define mote_blk_count	      guest_mote_blk_count
#define mote_blk_open	      guest_mote_blk_open
#define mote_blk_close	      guest_mote_blk_close
#define mote_blk_sectors      guest_mote_blk_sectors
#define mote_blk_read_only    guest_mote_blk_read_only
#define mote_blk_has_flush    guest_mote_blk_has_flush
#define mote_blk_block_size   guest_mote_blk_block_size
#define mote_blk_depth	      guest_mote_blk_depth
#define mote_blk_max_transfer guest_mote_blk_max_transfer
#define mote_blk_notifies     guest_mote_blk_notifies
#define mote_blk_set_spin     guest_mote_blk_set_spin
#define mote_blk_read	      guest_mote_blk_read
#define mote_blk_write	      guest_mote_blk_write
#define mote_blk_flush	      guest_mote_blk_flush
#define mote_blk_get_id	      guest_mote_blk_get_id
#define mote_blk_submit	      guest_mote_blk_submit
#define mote_blk_kick	      guest_mote_blk_kick
#define mote_blk_poll	      guest_mote_blk_poll
#define mote_blk_wait	      guest_mote_blk_wait
#define mote_blk_inflight     guest_mote_blk_inflight

#define mote_sha256_init   guest_mote_sha256_init
#define mote_sha256_update guest_mote_sha256_update
#define mote_sha256_final  guest_mote_sha256_final
#define mote_sha256_hex	   guest_mote_sha256_hex

#endif
