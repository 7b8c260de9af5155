package shiftwire

import (
	"context"
	"time"
)

// PruneMargin is how much longer than the retention the change log keeps a change: a
// resend or recover queues only changes committed within the retention, so no change is
// pruned while a transaction is queueing it again.
const PruneMargin = time.Hour

// Requeuer is what queueing changes again needs of a Store.
type Requeuer interface {
	CollectionChanges(ctx context.Context, tenantID int64, collection string, after ChangeVersion, since time.Time, limit int) ([]Change, error)
	RequeueChanges(ctx context.Context, tenantID int64, webhookID string, versions []ChangeVersion, committedAfter, now time.Time) (int, error)
}

// recoverPage is how many changes Recover queues in one transaction.
const recoverPage = 1000

// Recover queues again, at now, every change of hook's collection committed after since
// that the webhook receives, in change order, each behind what is queued for its object,
// and returns how many it queued. It works in pages of recoverPage changes, each in a
// transaction of its own, so a long recover never holds a writer for long.
func Recover(ctx context.Context, s Requeuer, hook *Webhook, since, now time.Time) (int, error) {
	total := 0
	for after := hook.CreatedAfter; ; {
		changes, err := s.CollectionChanges(ctx, hook.TenantID, hook.Collection, after, since, recoverPage)
		if err != nil {
			return total, err
		}
		var versions []ChangeVersion
		for i := range changes {
			if hook.Receives(&changes[i]) {
				versions = append(versions, changes[i].Version)
			}
		}
		n, err := s.RequeueChanges(ctx, hook.TenantID, hook.ID, versions, since, now)
		if err != nil {
			return total, err
		}
		total += n
		if len(changes) < recoverPage {
			return total, nil
		}
		after = changes[len(changes)-1].Version
	}
}

// RecoverSince parses recover's since: an ISO 8601 time with its offset, or a date, which is
// its midnight in loc. It must not be in the future nor older than the change log is kept
// for recover (retention before now); the error names the oldest time allowed.
func RecoverSince(raw string, now time.Time, retention time.Duration, loc *time.Location) (time.Time, error) {
	oldest := now.Add(-retention).In(loc).Truncate(time.Second).Add(time.Second)
	allowed := "the oldest time allowed is " + oldest.Format(time.RFC3339)
	since, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil {
		since, err = time.ParseInLocation(time.DateOnly, raw, loc)
	}
	switch {
	case err != nil:
		return time.Time{}, Invalid("invalid since", "since must be an ISO 8601 time such as "+now.In(loc).Truncate(time.Second).Format(time.RFC3339)+"; "+allowed)
	case since.After(now):
		return time.Time{}, Invalid("invalid since", "since is in the future; "+allowed)
	case since.Before(oldest):
		return time.Time{}, Invalid("invalid since", "since is older than the change log is kept; "+allowed)
	}
	return since, nil
}
