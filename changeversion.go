package shiftwire

import (
	"fmt"
	"strconv"
)

// ChangeVersion orders the changes of one tenant: every committed change takes the tenant's
// next value, across all collections. It is rendered as 20 upper-case hex digits, so that
// comparing the strings orders them as the numbers, as Protime's changeVersion does.
type ChangeVersion uint64

// String renders v as 20 zero-padded upper-case hex digits.
func (v ChangeVersion) String() string {
	var buf [20]byte
	return string(v.AppendTo(buf[:0]))
}

// AppendTo appends the 20-digit rendering of v to b.
func (v ChangeVersion) AppendTo(b []byte) []byte {
	const digits = "0123456789ABCDEF"
	var buf [20]byte
	n := uint64(v)
	for i := len(buf) - 1; i >= 0; i-- {
		buf[i] = digits[n&0xF]
		n >>= 4
	}
	return append(b, buf[:]...)
}

// MarshalText renders v as its 20-digit string.
func (v ChangeVersion) MarshalText() ([]byte, error) { return v.AppendTo(nil), nil }

// UnmarshalText parses a 20-digit hex string.
func (v *ChangeVersion) UnmarshalText(b []byte) error {
	p, err := ParseChangeVersion(string(b))
	if err != nil {
		return err
	}
	*v = p
	return nil
}

// ParseChangeVersion parses the 20-digit hex rendering of a change version.
func ParseChangeVersion(s string) (ChangeVersion, error) {
	if len(s) != 20 {
		return 0, fmt.Errorf("change version %s: want 20 hex digits", quote(s))
	}
	for _, c := range s[:4] {
		if c != '0' {
			return 0, fmt.Errorf("change version %s is out of range", quote(s))
		}
	}
	n, err := strconv.ParseUint(s[4:], 16, 64)
	if err != nil {
		return 0, fmt.Errorf("change version %s: want 20 hex digits", quote(s))
	}
	return ChangeVersion(n), nil
}
