;; Adler-32 (RFC 1950 section 8.2) over bytes the caller has copied into this module's memory, with
;; 128-bit SIMD. Compiled into adler32-wasm.ts by `npm run build:wasm`; adler32.ts drives it.
;;
;; Over a run of n bytes x[0..n) starting from sums (s1, s2):
;;   s1' = s1 + sum x[t]
;;   s2' = s2 + n * s1 + sum x[t] * (n - t)
;; The run is taken as blocks of B = 32 bytes, byte k of block j at t = 32j + k, so the weight n - t
;; splits into 32 * (blocks after j) + (32 - k):
;;   sum x[t] * (n - t) = 32 * sum_j P_j + sum_k (32 - k) * C_k
;; where P_j is the sum of the bytes of the blocks before block j and C_k the sum of byte k over all
;; blocks. Per block the loop keeps P (the vector ps gains the running byte sum s1v before the block
;; is added to it) and the column sums C in 16-bit lanes; the weights are applied once per chunk.
;;
;; Bounds: a chunk is at most 128 blocks (4096 bytes). A 16-bit column gains at most 255 a block, so
;; at most 128 * 255 = 32640, which stays positive for the signed i32x4.dot_i16x8_s. Every 32-bit
;; lane and the chunk's whole s2 stay below 2^32 (s2 < 65521, n * s1 <= 4096 * 65520, 32 * sum P_j
;; <= 32 * 255 * 32 * 128 * 127 / 2, sum (32 - k) * C_k <= 128 * 255 * 528), as 4096 is below zlib's
;; NMAX (5552); both sums are reduced mod 65521 after each chunk.
(module
  ;; One page, which is the buffer: the caller writes up to 65536 bytes at offset 0.
  (memory (export "memory") 1 1)

  ;; The Adler-32 of memory[0, length) continuing from $adler.
  (func (export "update") (param $adler i32) (param $length i32) (result i32)
    (local $s1 i32) (local $s2 i32)
    (local $at i32) (local $blocksEnd i32) (local $chunkEnd i32)
    (local $v0 v128) (local $v1 v128)
    (local $e0 v128) (local $o0 v128) (local $e1 v128) (local $o1 v128)
    ;; per chunk: running byte sum, sum of P_j, and the column sums of even and odd bytes
    (local $s1v v128) (local $ps v128)
    (local $ce0 v128) (local $co0 v128) (local $ce1 v128) (local $co1 v128)
    (local $s2v v128)
    (local $evenBytes v128) (local $ones v128)

    (local.set $s1 (i32.and (local.get $adler) (i32.const 0xffff)))
    (local.set $s2 (i32.shr_u (local.get $adler) (i32.const 16)))
    (local.set $evenBytes (v128.const i16x8 0xff 0xff 0xff 0xff 0xff 0xff 0xff 0xff))
    (local.set $ones (v128.const i16x8 1 1 1 1 1 1 1 1))
    ;; the whole blocks end here; the last length mod 32 bytes are summed one at a time
    (local.set $blocksEnd (i32.and (local.get $length) (i32.const -32)))

    (block $blocksDone
      (loop $chunks
        (br_if $blocksDone (i32.ge_u (local.get $at) (local.get $blocksEnd)))
        ;; $chunkEnd = min($at + 4096, $blocksEnd)
        (local.set $chunkEnd (i32.add (local.get $at) (i32.const 4096)))
        (local.set $chunkEnd
          (select (local.get $chunkEnd) (local.get $blocksEnd)
            (i32.lt_u (local.get $chunkEnd) (local.get $blocksEnd))))
        ;; s2 += n * s1, with n the chunk's byte count
        (local.set $s2
          (i32.add (local.get $s2)
            (i32.mul (i32.sub (local.get $chunkEnd) (local.get $at)) (local.get $s1))))
        (local.set $s1v (v128.const i64x2 0 0))
        (local.set $ps (v128.const i64x2 0 0))
        (local.set $ce0 (v128.const i64x2 0 0))
        (local.set $co0 (v128.const i64x2 0 0))
        (local.set $ce1 (v128.const i64x2 0 0))
        (local.set $co1 (v128.const i64x2 0 0))

        (loop $blocks
          (local.set $v0 (v128.load (local.get $at)))
          (local.set $v1 (v128.load offset=16 (local.get $at)))
          ;; P: add the sum of the blocks before this one
          (local.set $ps (i32x4.add (local.get $ps) (local.get $s1v)))
          ;; Split each 16 bytes into 16-bit lanes: lane i of $e* holds byte 2i, of $o* byte 2i + 1
          ;; (little-endian lanes).
          (local.set $e0 (v128.and (local.get $v0) (local.get $evenBytes)))
          (local.set $o0 (i16x8.shr_u (local.get $v0) (i32.const 8)))
          (local.set $e1 (v128.and (local.get $v1) (local.get $evenBytes)))
          (local.set $o1 (i16x8.shr_u (local.get $v1) (i32.const 8)))
          (local.set $ce0 (i16x8.add (local.get $ce0) (local.get $e0)))
          (local.set $co0 (i16x8.add (local.get $co0) (local.get $o0)))
          (local.set $ce1 (i16x8.add (local.get $ce1) (local.get $e1)))
          (local.set $co1 (i16x8.add (local.get $co1) (local.get $o1)))
          ;; s1v += this block's bytes: 16-bit lanes of at most 4 * 255, widened in pairs
          (local.set $s1v
            (i32x4.add (local.get $s1v)
              (i32x4.dot_i16x8_s
                (i16x8.add
                  (i16x8.add (local.get $e0) (local.get $o0))
                  (i16x8.add (local.get $e1) (local.get $o1)))
                (local.get $ones))))
          (local.set $at (i32.add (local.get $at) (i32.const 32)))
          (br_if $blocks (i32.lt_u (local.get $at) (local.get $chunkEnd))))

        ;; s2v = 32 * P + the columns by their weights 32 - k: byte k = 2i of the first 16 bytes
        ;; weighs 32 - 2i, byte 2i + 1 weighs 31 - 2i; in the second 16 bytes, 16 - 2i and 15 - 2i.
        (local.set $s2v
          (i32x4.add
            (i32x4.add
              (i32x4.shl (local.get $ps) (i32.const 5))
              (i32x4.add
                (i32x4.dot_i16x8_s (local.get $ce0) (v128.const i16x8 32 30 28 26 24 22 20 18))
                (i32x4.dot_i16x8_s (local.get $co0) (v128.const i16x8 31 29 27 25 23 21 19 17))))
            (i32x4.add
              (i32x4.dot_i16x8_s (local.get $ce1) (v128.const i16x8 16 14 12 10 8 6 4 2))
              (i32x4.dot_i16x8_s (local.get $co1) (v128.const i16x8 15 13 11 9 7 5 3 1)))))
        (local.set $s1
          (i32.rem_u
            (i32.add (local.get $s1)
              (i32.add
                (i32.add (i32x4.extract_lane 0 (local.get $s1v)) (i32x4.extract_lane 1 (local.get $s1v)))
                (i32.add (i32x4.extract_lane 2 (local.get $s1v)) (i32x4.extract_lane 3 (local.get $s1v)))))
            (i32.const 65521)))
        (local.set $s2
          (i32.rem_u
            (i32.add (local.get $s2)
              (i32.add
                (i32.add (i32x4.extract_lane 0 (local.get $s2v)) (i32x4.extract_lane 1 (local.get $s2v)))
                (i32.add (i32x4.extract_lane 2 (local.get $s2v)) (i32x4.extract_lane 3 (local.get $s2v)))))
            (i32.const 65521)))
        (br $chunks)))

    ;; The last bytes (fewer than 32), one at a time; the sums stay far below 2^32.
    (block $bytesDone
      (loop $bytes
        (br_if $bytesDone (i32.ge_u (local.get $at) (local.get $length)))
        (local.set $s1 (i32.add (local.get $s1) (i32.load8_u (local.get $at))))
        (local.set $s2 (i32.add (local.get $s2) (local.get $s1)))
        (local.set $at (i32.add (local.get $at) (i32.const 1)))
        (br $bytes)))

    (i32.or
      (i32.shl (i32.rem_u (local.get $s2) (i32.const 65521)) (i32.const 16))
      (i32.rem_u (local.get $s1) (i32.const 65521)))))
