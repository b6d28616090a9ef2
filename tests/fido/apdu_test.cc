// SPDX-License-Identifier: BSD-2-Clause
// fido/apdu.h: the ISO 7816 framing of CTAP, against scripted cards, honest
// and lying. A lying card gets an error, within bounds, never a crash or a hang.
#include "fido/apdu.h"

#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <vector>

namespace skagent::fido::apdu {
namespace {

Bytes hex(std::initializer_list<int> v) {
  Bytes b;
  for (int x : v) b.push_back(uint8_t(x));
  return b;
}

Bytes cat(Bytes a, ByteView b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Answers C-APDUs from a script (or with `fallback` once the script ends),
// and keeps what it was sent.
struct FakeCard {
  std::deque<Result<Bytes>> answers;
  std::function<Result<Bytes>(ByteView)> fallback;
  std::vector<Bytes> sent;

  // Once the script ends, every C-APDU is answered with `answer`.
  void answer_always(Bytes answer) {
    fallback = [answer](ByteView) -> Result<Bytes> { return answer; };
  }

  Transmit transmit() {
    return [this](ByteView c) -> Result<Bytes> {
      sent.push_back(to_bytes(c));
      if (!answers.empty()) {
        auto a = std::move(answers.front());
        answers.pop_front();
        return a;
      }
      if (fallback) return fallback(c);
      return make_error(Errc::io, "card removed");
    };
  }
};

TEST(FidoApdu, ParseResponseSplitsDataAndStatus) {
  auto r = parse_response(hex({0x01, 0x02, 0x90, 0x00}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->data, hex({0x01, 0x02}));
  EXPECT_EQ(r->sw, 0x9000);
  auto only = parse_response(hex({0x6A, 0x82}));
  ASSERT_TRUE(only.ok());
  EXPECT_TRUE(only->data.empty());
  EXPECT_EQ(only->sw, 0x6A82);
}

TEST(FidoApdu, ParseResponseRefusesAnswersWithoutStatusWord) {
  EXPECT_FALSE(parse_response({}).ok());
  EXPECT_FALSE(parse_response(hex({0x90})).ok());
}

TEST(FidoApdu, SelectApduNamesTheFidoAid) {
  EXPECT_EQ(select_fido(), hex({0x00, 0xA4, 0x04, 0x00, 0x08, 0xA0, 0x00, 0x00, 0x06, 0x47, 0x2F,
                                0x00, 0x01, 0x00}));
}

TEST(FidoApdu, ShortRequestIsOneApduWithLe) {
  auto apdus = nfcctap_msg(hex({0x04}));
  ASSERT_EQ(apdus.size(), 1u);
  EXPECT_EQ(apdus[0], hex({0x80, 0x10, 0x80, 0x00, 0x01, 0x04, 0x00}));  // P1: the host polls
}

TEST(FidoApdu, LongRequestIsChainedInChunks) {
  Bytes req(600, 0xAB);
  auto apdus = nfcctap_msg(req);
  ASSERT_EQ(apdus.size(), 3u);  // 240 + 240 + 120
  EXPECT_EQ(apdus[0][0], 0x90);
  EXPECT_EQ(apdus[0][4], 240);
  EXPECT_EQ(apdus[0].size(), 5u + 240u);  // no Le on a chained chunk
  EXPECT_EQ(apdus[1][0], 0x90);
  EXPECT_EQ(apdus[2][0], 0x80);
  EXPECT_EQ(apdus[2][4], 120);
  EXPECT_EQ(apdus[2].size(), 5u + 120u + 1u);
  EXPECT_EQ(apdus[2].back(), 0x00);
  // Exactly one chunk: not chained.
  EXPECT_EQ(nfcctap_msg(Bytes(240, 1)).size(), 1u);
  EXPECT_EQ(nfcctap_msg(Bytes(241, 1)).size(), 2u);
}

TEST(FidoApdu, GetResponseAndStatusPollingApdus) {
  EXPECT_EQ(get_response(0x10), hex({0x00, 0xC0, 0x00, 0x00, 0x10}));
  EXPECT_EQ(nfcctap_getresponse(), hex({0x80, 0x11, 0x00, 0x00, 0x00}));
}

TEST(FidoApdu, SelectReturnsTheVersion) {
  FakeCard card;
  card.answers.push_back(cat(to_bytes(view("FIDO_2_0")), hex({0x90, 0x00})));
  auto v = select(card.transmit());
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(as_string(*v), "FIDO_2_0");
  ASSERT_EQ(card.sent.size(), 1u);
  EXPECT_EQ(card.sent[0], select_fido());
}

TEST(FidoApdu, SelectOfACardWithoutTheAppletSaysSo) {
  FakeCard card;
  card.answers.push_back(hex({0x6A, 0x82}));
  auto v = select(card.transmit());
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message.find("no FIDO applet"), std::string::npos) << v.error().message;
  EXPECT_NE(v.error().message.find("6A82"), std::string::npos);
}

TEST(FidoApdu, CtapGathersAnswerWithGetResponse) {
  FakeCard card;
  card.answers.push_back(cat(Bytes(256, 0x11), hex({0x61, 0x00})));  // 256 or more to come
  card.answers.push_back(cat(Bytes(256, 0x22), hex({0x61, 0x05})));
  card.answers.push_back(cat(Bytes(5, 0x33), hex({0x90, 0x00})));
  auto r = ctap(card.transmit(), hex({0x02, 0xA0}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->size(), 517u);
  EXPECT_EQ((*r)[0], 0x11);
  EXPECT_EQ((*r)[300], 0x22);
  EXPECT_EQ(r->back(), 0x33);
  ASSERT_EQ(card.sent.size(), 3u);
  EXPECT_EQ(card.sent[1], get_response(0x00));
  EXPECT_EQ(card.sent[2], get_response(0x05));
}

TEST(FidoApdu, CtapChainsALongRequest) {
  FakeCard card;
  card.answers.push_back(hex({0x90, 0x00}));
  card.answers.push_back(hex({0x90, 0x00}));
  card.answers.push_back(hex({0x00, 0xA0, 0x90, 0x00}));
  Bytes req(500, 0x01);
  auto r = ctap(card.transmit(), req);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, hex({0x00, 0xA0}));
  ASSERT_EQ(card.sent.size(), 3u);
  Bytes carried;
  for (const auto& c : card.sent)
    carried.insert(carried.end(), c.begin() + 5, c.begin() + 5 + c[4]);
  EXPECT_EQ(carried, req);
}

TEST(FidoApdu, CtapPollsAStatusUpdateUntilTheAnswer) {
  FakeCard card;
  card.answers.push_back(hex({0x02, 0x91, 0x00}));  // needs a touch
  card.answers.push_back(hex({0x02, 0x91, 0x00}));
  card.answers.push_back(hex({0x00, 0x90, 0x00}));
  auto r = ctap(card.transmit(), hex({0x02}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, hex({0x00}));
  EXPECT_EQ(card.sent[1], nfcctap_getresponse());
}

// ---- lying and broken cards

TEST(FidoApdu, EndlessGetResponseChainIsCutOff) {
  FakeCard card;
  card.fallback = [](ByteView) -> Result<Bytes> {
    return cat(Bytes(200, 0x55), hex({0x61, 0xC8}));
  };
  auto r = ctap(card.transmit(), hex({0x04}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::limit);
  EXPECT_LE(card.sent.size(), 30u);  // stopped at the size bound, long before the APDU bound
}

TEST(FidoApdu, EmptyMoreDataForeverIsCutOff) {
  FakeCard card;
  card.answer_always(hex({0x61, 0x00}));
  Limits l{.max_apdus = 50};
  auto r = ctap(card.transmit(), hex({0x04}), l);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::limit);
  EXPECT_EQ(card.sent.size(), 50u);
}

// A touch may take as long as the deadline allows: polls are paced, not
// counted, and the card is told (a new SELECT) when the host gives up.
TEST(FidoApdu, StatusUpdatesForeverEndAtTheDeadline) {
  FakeCard card;
  card.answer_always(hex({0x01, 0x91, 0x00}));
  Limits l{.max_apdus = 3, .poll_interval = std::chrono::milliseconds(20)};
  auto start = std::chrono::steady_clock::now();
  l.deadline = start + std::chrono::milliseconds(300);
  auto r = ctap(card.transmit(), hex({0x02}), l);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::timeout) << r.error().message;
  EXPECT_GE(took, std::chrono::milliseconds(300));
  EXPECT_LT(took, std::chrono::milliseconds(2000));
  // 300 ms at one poll per 20 ms or more: well past the APDU bound, far from a busy loop.
  EXPECT_GT(card.sent.size(), 5u);
  EXPECT_LE(card.sent.size(), 17u);
  EXPECT_EQ(card.sent[1], nfcctap_getresponse());
  EXPECT_EQ(card.sent.back(), select_fido());
}

TEST(FidoApdu, CancelStopsPollingAndEndsTheCardsRequest) {
  FakeCard card;
  int answered = 0;
  card.fallback = [&](ByteView) -> Result<Bytes> {
    answered++;
    return hex({0x02, 0x91, 0x00});
  };
  Limits l{.cancelled = [&] { return answered >= 3; },
           .poll_interval = std::chrono::milliseconds(0)};
  auto r = ctap(card.transmit(), hex({0x02}), l);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::timeout);
  ASSERT_EQ(card.sent.size(), 4u);  // the request, two polls, then SELECT
  EXPECT_EQ(card.sent[2], nfcctap_getresponse());
  EXPECT_EQ(card.sent[3], select_fido());
}

TEST(FidoApdu, WithoutADeadlinePollsAreCounted) {
  FakeCard card;
  card.answer_always(hex({0x02, 0x91, 0x00}));
  Limits l{.max_apdus = 10, .poll_interval = std::chrono::milliseconds(0)};
  auto r = ctap(card.transmit(), hex({0x02}), l);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::limit);
  EXPECT_EQ(card.sent.size(), 11u);  // ten, then the SELECT that ends the card's request
}

TEST(FidoApdu, OversizedAnswerIsRefused) {
  FakeCard card;
  card.answers.push_back(cat(Bytes(5000, 0x01), hex({0x90, 0x00})));
  auto r = ctap(card.transmit(), hex({0x04}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::limit);
}

TEST(FidoApdu, TruncatedAnswerIsMalformed) {
  FakeCard card;
  card.answers.push_back(hex({0x90}));
  auto r = ctap(card.transmit(), hex({0x04}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::malformed);
  card.answers.push_back(Bytes{});
  EXPECT_FALSE(ctap(card.transmit(), hex({0x04})).ok());
}

TEST(FidoApdu, OkWithoutCtapStatusByteIsMalformed) {
  FakeCard card;
  card.answers.push_back(hex({0x90, 0x00}));
  auto r = ctap(card.transmit(), hex({0x04}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::malformed);
}

TEST(FidoApdu, RefusedChainStopsTheRequest) {
  FakeCard card;
  card.answers.push_back(hex({0x67, 0x00}));
  auto r = ctap(card.transmit(), Bytes(600, 0x01));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(card.sent.size(), 1u);
  EXPECT_NE(r.error().message.find("6700"), std::string::npos);
}

TEST(FidoApdu, ErrorStatusWordIsReported) {
  FakeCard card;
  card.answers.push_back(hex({0x69, 0x85}));
  auto r = ctap(card.transmit(), hex({0x04}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("6985"), std::string::npos);
}

TEST(FidoApdu, TransmitFailureIsPassedOn) {
  FakeCard card;  // no answers: "card removed"
  auto r = ctap(card.transmit(), hex({0x04}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::io);
  EXPECT_FALSE(select(card.transmit()).ok());
}

TEST(FidoApdu, EmptyOrHugeRequestIsRefusedWithoutSending) {
  FakeCard card;
  EXPECT_FALSE(ctap(card.transmit(), {}).ok());
  EXPECT_FALSE(ctap(card.transmit(), Bytes(70000, 0)).ok());
  EXPECT_TRUE(card.sent.empty());
}

TEST(FidoApdu, RawKeepsTheFinalStatusWord) {
  FakeCard card;
  card.answers.push_back(cat(Bytes(3, 0x07), hex({0x61, 0x02})));
  card.answers.push_back(hex({0x08, 0x09, 0x69, 0x85}));
  auto r = raw(card.transmit(), hex({0x00, 0x01, 0x03, 0x00, 0x00}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, hex({0x07, 0x07, 0x07, 0x08, 0x09, 0x69, 0x85}));
  EXPECT_FALSE(raw(card.transmit(), hex({0x00, 0x01})).ok());  // shorter than a header
}

TEST(FidoApdu, RandomAnswersNeverCrash) {
  // Every answer a card might make to a request, from junk to plausible.
  uint32_t seed = 12345;
  auto next = [&] {
    seed = seed * 1103515245u + 12345u;
    return uint8_t(seed >> 16);
  };
  for (int round = 0; round < 2000; round++) {
    FakeCard card;
    card.fallback = [&](ByteView) -> Result<Bytes> {
      Bytes b(next() % 8);
      for (auto& x : b) x = next();
      if (next() % 2) {
        b.push_back(uint8_t(0x61 + (next() % 3 == 0 ? 0x30 : 0)));  // 61xx or 91xx
        b.push_back(next());
      }
      return b;
    };
    Limits l{.max_apdus = 64, .poll_interval = std::chrono::milliseconds(0)};
    (void)ctap(card.transmit(), Bytes(1 + next() % 300, 0x01), l);
    (void)raw(card.transmit(), hex({0x00, 0x01, 0x03, 0x00, 0x00}), l);
    (void)select(card.transmit());
    EXPECT_LE(card.sent.size(), 64u * 2 + 8u + 2);
  }
}

}  // namespace
}  // namespace skagent::fido::apdu
