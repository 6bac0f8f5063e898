/// xxHash64 (XXH64), the hash behind BigMap's slot routing.
///
/// A port of the reference algorithm (xxHash by Yann Collet, `XXH64` in `xxhash.h`) to
/// `Nat64` wrapping arithmetic: `+%`, `-%`, `*%` wrap modulo 2^64 and `<<>` rotates left.
/// Input is read little-endian, as the reference does. The TypeScript client hashes with the
/// reference implementation compiled to wasm (`sharding/hash.ts`); `sharding/vectors.json`
/// proves the two agree on every length class (< 4, < 8, < 32, and one or more 32-byte
/// stripes).
///
/// Not a cryptographic hash: it spreads keys over slots, it does not resist an adversary
/// choosing keys.
///
/// Example:
/// ```motoko
/// import XxHash64 "XxHash64";
///
/// assert XxHash64.hash("abc", 0) == 0x44BC2CF5AD770999;
/// assert XxHash64.hash("", 0) == 0xEF46DB3751D8E999;
/// ```
///
/// Performance: about 4 multiplications per 8 input bytes; no allocation.

import Nat8 "mo:core/Nat8";
import Nat64 "mo:core/Nat64";

module {
  let prime1 : Nat64 = 0x9E3779B185EBCA87;
  let prime2 : Nat64 = 0xC2B2AE3D27D4EB4F;
  let prime3 : Nat64 = 0x165667B19E3779F9;
  let prime4 : Nat64 = 0x85EBCA77C2B2AE63;
  let prime5 : Nat64 = 0x27D4EB2F165667C5;

  /// The XXH64 hash of `data` with `seed`.
  ///
  /// Example:
  /// ```motoko include=import
  /// assert XxHash64.hash("Nobody inspects the spammish repetition", 0) == 0xFBCEA83C8A378BF1;
  /// ```
  ///
  /// Runtime: `O(n)`.
  /// Space: `O(1)`.
  /// where `n` denotes the size of `data` in bytes.
  public func hash(data : Blob, seed : Nat64) : Nat64 {
    let size = data.size();
    var offset = 0;
    var acc : Nat64 = 0;
    if (size >= 32) {
      var lane1 = seed +% prime1 +% prime2;
      var lane2 = seed +% prime2;
      var lane3 = seed;
      var lane4 = seed -% prime1;
      let stripesEnd = size / 32 * 32;
      while (offset < stripesEnd) {
        lane1 := round(lane1, readLittleEndian(data, offset, 8));
        lane2 := round(lane2, readLittleEndian(data, offset + 8, 8));
        lane3 := round(lane3, readLittleEndian(data, offset + 16, 8));
        lane4 := round(lane4, readLittleEndian(data, offset + 24, 8));
        offset += 32;
      };
      acc := (lane1 <<> 1) +% (lane2 <<> 7) +% (lane3 <<> 12) +% (lane4 <<> 18);
      acc := mergeRound(acc, lane1);
      acc := mergeRound(acc, lane2);
      acc := mergeRound(acc, lane3);
      acc := mergeRound(acc, lane4);
    } else {
      acc := seed +% prime5;
    };
    acc := acc +% Nat64.fromNat(size);

    while (offset + 8 <= size) {
      acc := ((acc ^ round(0, readLittleEndian(data, offset, 8))) <<> 27) *% prime1 +% prime4;
      offset += 8;
    };
    if (offset + 4 <= size) {
      acc := ((acc ^ (readLittleEndian(data, offset, 4) *% prime1)) <<> 23) *% prime2 +% prime3;
      offset += 4;
    };
    while (offset < size) {
      acc := ((acc ^ (Nat8.toNat64(data.get(offset)) *% prime5)) <<> 11) *% prime1;
      offset += 1;
    };
    avalanche(acc)
  };

  func round(acc : Nat64, lane : Nat64) : Nat64 {
    ((acc +% lane *% prime2) <<> 31) *% prime1
  };

  func mergeRound(acc : Nat64, lane : Nat64) : Nat64 {
    (acc ^ round(0, lane)) *% prime1 +% prime4
  };

  /// Final mix so that every input bit affects every output bit.
  func avalanche(acc : Nat64) : Nat64 {
    var h = acc;
    h := (h ^ (h >> 33)) *% prime2;
    h := (h ^ (h >> 29)) *% prime3;
    h ^ (h >> 32)
  };

  /// `width` bytes of `data` from `offset`, little-endian. REQUIRES: `offset + width ≤ data.size()`, `width ≤ 8`.
  func readLittleEndian(data : Blob, offset : Nat, width : Nat) : Nat64 {
    var value : Nat64 = 0;
    var i = width;
    while (i > 0) {
      i -= 1;
      value := (value << 8) | Nat8.toNat64(data.get(offset + i));
    };
    value
  };
};
