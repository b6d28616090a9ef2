#!/usr/bin/perl
# SPDX-License-Identifier: BSD-2-Clause
# Prints the fields of an OpenSSH key file, one "name value" per line, so that two files can
# be compared field by field (tests/integration/keygen.sh):
#   key_fields.pl FILE        an openssh-key-v1 private key (PROTOCOL.key)
#   key_fields.pl -pub FILE   a public key line (type, blob fields, comment)
# Random parts are reported by what must hold, not by value: the two check integers as
# "checkint equal|DIFFERENT", the bcrypt salt by its length. An encrypted private section is
# shown by its length only. Exits 1 on anything malformed.
use strict;
use warnings;
use MIME::Base64 qw(decode_base64);

my $pub = 0;
if (@ARGV && $ARGV[0] eq '-pub') { $pub = 1; shift; }
my $file = shift or die "usage: key_fields.pl [-pub] FILE\n";
open(my $fh, '<', $file) or die "$file: $!\n";
local $/;
my $text = <$fh>;
close $fh;

sub hexs { return unpack('H*', $_[0]); }

# A reader over a byte string.
sub take {
    my ($buf, $n) = @_;
    die "truncated\n" if length($$buf) < $n;
    my $v = substr($$buf, 0, $n);
    substr($$buf, 0, $n) = '';
    return $v;
}
sub u32 { return unpack('N', take($_[0], 4)); }
sub u8 { return unpack('C', take($_[0], 1)); }
sub str { my $b = shift; my $n = u32($b); return take($b, $n); }

# The fields of a key blob (public) or of a private key serialisation.
sub key_fields {
    my ($b, $private) = @_;
    my @out;
    my $type = str($b);
    push @out, "type $type";
    if ($type eq 'ssh-ed25519') {
        push @out, 'pk ' . hexs(str($b));
        push @out, 'sk-length ' . length(str($b)) if $private;
    } elsif ($type eq 'sk-ssh-ed25519@openssh.com') {
        push @out, 'pk ' . hexs(str($b));
        push @out, 'application ' . str($b);
    } elsif ($type =~ /^ecdsa-sha2-/) {
        push @out, 'curve ' . str($b);
        push @out, 'point ' . hexs(str($b));
        push @out, 'd-length ' . length(str($b)) if $private;
    } elsif ($type eq 'sk-ecdsa-sha2-nistp256@openssh.com') {
        push @out, 'curve ' . str($b);
        push @out, 'point ' . hexs(str($b));
        push @out, 'application ' . str($b);
    } elsif ($type eq 'ssh-rsa') {
        if ($private) {
            push @out, 'n ' . hexs(str($b));
            push @out, 'e ' . hexs(str($b));
            push @out, "$_-length " . length(str($b)) for qw(d iqmp p q);
        } else {
            push @out, 'e ' . hexs(str($b));
            push @out, 'n ' . hexs(str($b));
        }
    } else {
        die "unknown key type $type\n";
    }
    if ($private && $type =~ /^sk-/) {
        push @out, sprintf('flags 0x%02x', u8($b));
        push @out, 'key_handle ' . hexs(str($b));
        push @out, 'reserved ' . hexs(str($b));
    }
    return @out;
}

if ($pub) {
    $text =~ s/\n\z//;
    my ($type, $b64, $comment) = split(/ /, $text, 3);
    my $blob = decode_base64($b64);
    print "line-type $type\n";
    print "$_\n" for key_fields(\$blob, 0);
    die "trailing bytes in blob\n" if length($blob);
    print 'comment ' . (defined $comment ? $comment : '') . "\n";
    exit 0;
}

$text =~ /\A-----BEGIN OPENSSH PRIVATE KEY-----\n(.*?)\n-----END OPENSSH PRIVATE KEY-----\n\z/s
    or die "not an openssh-key-v1 file (armour)\n";
my $body = $1;
my @lines = split(/\n/, $body);
for my $i (0 .. $#lines - 1) { die "line not 70 columns\n" if length($lines[$i]) != 70; }
my $b = decode_base64($body);
my $magic = take(\$b, 15);
die "bad magic\n" unless $magic eq "openssh-key-v1\0";
my $cipher = str(\$b);
my $kdf = str(\$b);
my $kdfopts = str(\$b);
print "cipher $cipher\nkdf $kdf\n";
if ($kdf eq 'bcrypt') {
    my $salt = str(\$kdfopts);
    print 'salt-length ' . length($salt) . "\nrounds " . u32(\$kdfopts) . "\n";
} else {
    print 'kdfoptions ' . hexs($kdfopts) . "\n";
}
print 'nkeys ' . u32(\$b) . "\n";
my $pubblob = str(\$b);
print "public $_\n" for key_fields(\$pubblob, 0);
my $section = str(\$b);
print 'trailing ' . length($b) . "\n";
if ($cipher ne 'none') {
    print 'private-length ' . length($section) . "\n";
    exit 0;
}
my $c1 = u32(\$section);
my $c2 = u32(\$section);
print 'checkint ' . ($c1 == $c2 ? 'equal' : 'DIFFERENT') . "\n";
print "private $_\n" for key_fields(\$section, 1);
print 'comment ' . str(\$section) . "\n";
my $pad = $section;
my $ok = 1;
for my $i (0 .. length($pad) - 1) { $ok = 0 if ord(substr($pad, $i, 1)) != $i + 1; }
print 'padding ' . ($ok ? 'ok' : 'BAD') . ' ' . length($pad) . "\n";
