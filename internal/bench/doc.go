// Package bench holds the parts of "shiftwire bench" that do not need the rest of the
// program: loopback receivers that verify and time every event, a latency histogram, the
// bare HTTP client and server pair that measures the machine's ceiling, and readers of
// process and machine facts. The command in cmd/shiftwire wires them to the server
// processes it starts.
package bench
