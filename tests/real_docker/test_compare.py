#!/usr/bin/python3
"""test_compare.py: unit tests of docker_diff.py's comparison (masking, key structure, texts,
streams, allow-list), so that the differential test can be trusted to see differences."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dockerapi  # noqa: E402
import docker_diff as dd  # noqa: E402

ID_A = "a" * 64
ID_B = "b" * 64


class FakeSide:
    def __init__(self, vars_):
        self.name = "x"
        self.vars = vars_


def view(body, status=200, side_vars=None, **step):
    resp = dockerapi.Response(status, {"content-type": "application/json", "api-version": "1.41"},
                              body.encode() if isinstance(body, str) else body)
    return dd.view(dict({"id": "s"}, **step), FakeSide(side_vars or {"P": "oshdiff-1-aaa"}), resp)


class CompareTest(unittest.TestCase):
    def test_identical_bodies_with_different_ids_compare_equal(self):
        a = view('{"Id": "%s", "State": {"Running": true}}' % ID_A)
        b = view('{"Id": "%s", "State": {"Running": false}}' % ID_B)
        self.assertEqual(dd.compare_views(a, b), [])

    def test_missing_and_extra_keys_are_reported_with_their_path(self):
        a = view('{"State": {"Running": true, "Health": {"Status": "ok"}}}')
        b = view('{"State": {"Running": true, "Pid": 1}}')
        self.assertEqual(dd.compare_views(a, b), ["json key missing in mock: $.State.Health",
                                                  "json key only in mock: $.State.Pid"])

    def test_null_versus_array_is_a_type_difference(self):
        d = dd.compare_views(view('{"Mounts": []}'), view('{"Mounts": null}'))
        self.assertEqual(d, ["json type $.Mounts: real array, mock null"])

    def test_array_elements_are_merged(self):
        a = view('[{"A": 1}, {"B": 2}]')
        b = view('[{"A": 1, "B": 2}]')
        self.assertEqual(dd.compare_views(a, b), [])
        self.assertEqual(dd.compare_views(a, view('[{"A": 1}]')), ["json key missing in mock: $[].B"])

    def test_messages_compare_after_names_become_placeholders(self):
        a = view('{"message": "No such container: oshdiff-1-aaa-c1"}', 404, {"P": "oshdiff-1-aaa"})
        b = view('{"message": "No such container: oshdiff-2-bbb-c1"}', 404, {"P": "oshdiff-2-bbb"})
        self.assertEqual(dd.compare_views(a, b), [])
        c = view('{"message": "no such container: oshdiff-2-bbb-c1"}', 404, {"P": "oshdiff-2-bbb"})
        self.assertEqual(len(dd.compare_views(a, c)), 1)

    def test_captured_ids_and_short_ids_become_placeholders(self):
        a = view('{"message": "in use by %s (%s)"}' % (ID_A, ID_A[:12]), 409, {"C1": ID_A})
        b = view('{"message": "in use by %s (%s)"}' % (ID_B, ID_B[:12]), 409, {"C1": ID_B})
        self.assertEqual(a["message"], "in use by ${C1} (${C1:12})")
        self.assertEqual(dd.compare_views(a, b), [])

    def test_status_content_type_and_headers_are_compared(self):
        a = view('{}', 200)
        b = dd.view({"id": "s"}, FakeSide({}), dockerapi.Response(201, {"content-type": "text/plain"}, b"{}"))
        d = dd.compare_views(a, b)
        self.assertIn("status: real 200, mock 201", d)
        self.assertIn('content-type: real "application/json", mock "text/plain"', d)
        self.assertIn("header missing in mock: api-version", d)

    def test_multiplexed_framing_errors_are_seen(self):
        good = b"\x01\0\0\0\0\0\0\x03abc"
        self.assertEqual(view(good, kind="mux")["framing"], "ok")
        self.assertIn("truncated", view(good[:-1], kind="mux")["framing"])
        self.assertEqual(view(b"\x02\0\0\0\0\0\0\x01e" + good, kind="mux")["stream types"], [1, 2])

    def test_allow_list_patterns_classify_differences(self):
        known = [{"match": "info: json key missing in mock: $.Plugins*", "why": "w", "section": "accepted", "used": False}]
        self.assertEqual(dd.classify("info: json key missing in mock: $.Plugins.Log", known), "accepted")
        self.assertIsNone(dd.classify("info: json key missing in mock: $.Driver", known))

    def test_patterns_take_brackets_literally(self):
        self.assertTrue(dd.pattern_matches('s: mock ["a"]', 's: mock ["a"]'))
        self.assertTrue(dd.pattern_matches("s: $.X[].Y *", "s: $.X[].Y missing"))
        self.assertFalse(dd.pattern_matches('s: mock ["a"]', 's: mock a'))


if __name__ == "__main__":
    unittest.main()
