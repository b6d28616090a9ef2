#!/usr/bin/perl
# SPDX-License-Identifier: BSD-2-Clause
# attestation_parts.pl FILE DIR [PUB]: splits an ssh-sk-attest-v01 file
# (ssh-keygen -O write-attestation) into DIR/cert.der (the attestation
# certificate; empty for self attestation), DIR/sig.der (the attestation
# signature) and DIR/authdata (the raw authenticator data: the CBOR
# byte-string header the file keeps is removed), so a test can check the
# signature over authdata || SHA-256(challenge) with openssl. With PUB, an
# sk-ecdsa-sha2-nistp256 .pub file, also DIR/key.der: that key as a DER
# SubjectPublicKeyInfo, the signer of a self attestation. Exits 1 on a
# malformed file.
use strict;
use warnings;

my ($file, $dir, $pub) = @ARGV;
die "usage: attestation_parts.pl FILE DIR [PUB]\n" unless defined $dir;
open(my $in, '<:raw', $file) or die "$file: $!\n";
my $blob = do { local $/; <$in> };
close $in;

# string(\$buf, \$pos): the next SSH wire string.
sub string {
    my ($buf, $pos) = @_;
    die "truncated\n" if $$pos + 4 > length $$buf;
    my $n = unpack('N', substr($$buf, $$pos, 4));
    die "truncated\n" if $$pos + 4 + $n > length $$buf;
    my $s = substr($$buf, $$pos + 4, $n);
    $$pos += 4 + $n;
    return $s;
}

sub write_file {
    my ($path, $bytes) = @_;
    open(my $out, '>:raw', $path) or die "$path: $!\n";
    print $out $bytes;
    close $out;
}

my $pos = 0;
die "not ssh-sk-attest-v01\n" unless string(\$blob, \$pos) eq 'ssh-sk-attest-v01';
my ($cert, $sig, $authdata) = (string(\$blob, \$pos), string(\$blob, \$pos), string(\$blob, \$pos));

# The authenticator data as libfido2 hands it out: a CBOR byte string.
my $head = ord(substr($authdata, 0, 1));
die "authdata is not a CBOR byte string\n" unless ($head >> 5) == 2;
my $info = $head & 0x1f;
my ($skip, $len) = $info < 24 ? (1, $info)
    : $info == 24 ? (2, ord(substr($authdata, 1, 1)))
    : $info == 25 ? (3, unpack('n', substr($authdata, 1, 2)))
    : die "unexpected CBOR length form\n";
die "authdata length mismatch\n" unless $skip + $len == length $authdata;

write_file("$dir/cert.der", $cert);
write_file("$dir/sig.der", $sig);
write_file("$dir/authdata", substr($authdata, $skip));

if (defined $pub) {
    open(my $in_pub, '<', $pub) or die "$pub: $!\n";
    my (undef, $b64) = split ' ', scalar <$in_pub>;
    close $in_pub;
    require MIME::Base64;
    my $key = MIME::Base64::decode_base64($b64 // '');
    my $kpos = 0;
    die "not an sk-ecdsa-sha2-nistp256 key\n"
        unless string(\$key, \$kpos) eq 'sk-ecdsa-sha2-nistp256@openssh.com' && string(\$key, \$kpos) eq 'nistp256';
    my $point = string(\$key, \$kpos);
    die "not an uncompressed P-256 point\n" unless length $point == 65 && substr($point, 0, 1) eq "\x04";
    # SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING { point } }
    my $spki_head = pack('H*', '3059301306072a8648ce3d020106082a8648ce3d030107034200');
    write_file("$dir/key.der", $spki_head . $point);
}
