package safety

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"safecontact/errs"
	"safecontact/gateway/auth"
	"safecontact/gateway/httpx"
)

// The API's handlers for meeting points, appointments, check-in plans and
// escalations: bind the request, call the service method the console's
// pages also call (appointments.go, meetingpoints.go, checkins.go,
// escalations.go), write the answer. They sit on their own type so the
// service's method set is its capability, not its routes.
type handlers struct{ *Service }

func (s handlers) createAppointment(c *gin.Context) {
	var in AppointmentInput
	if !httpx.BindStrict(c, &in, false) {
		return
	}
	view, err := bookings{s.Service}.bookAppointment(c.Request.Context(), auth.ActorOf(c), in)
	answer(c, http.StatusCreated, view, err)
}

func (s handlers) patchAppointment(c *gin.Context) {
	var in AppointmentPatch
	if !httpx.BindStrict(c, &in, false) {
		return
	}
	view, err := bookings{s.Service}.moveAppointment(c.Request.Context(), auth.ActorOf(c), c.Param("id"), in)
	answer(c, http.StatusOK, view, err)
}

func (s handlers) cancelAppointment(c *gin.Context) {
	view, err := bookings{s.Service}.cancelBooking(c.Request.Context(), auth.ActorOf(c), c.Param("id"))
	answer(c, http.StatusOK, view, err)
}

func (s handlers) listAppointments(c *gin.Context) {
	items, err := s.Appointments(c.Request.Context(), auth.ActorOf(c), c.Query("participant"))
	answer(c, http.StatusOK, gin.H{"items": items}, err)
}

func (s handlers) createMeetingPoint(c *gin.Context) {
	var in MeetingPointInput
	// "name" is a place's name here, not a person's.
	if !httpx.BindStrict(c, &in, true) {
		return
	}
	view, err := s.addMeetingPoint(c.Request.Context(), auth.ActorOf(c), in)
	answer(c, http.StatusCreated, view, err)
}

func (s handlers) patchMeetingPoint(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		httpx.Fail(c, httpx.NotFound("meeting point"))
		return
	}
	var in MeetingPointPatch
	// "name" is a place's name here, not a person's.
	if !httpx.BindStrict(c, &in, true) {
		return
	}
	view, err := s.changeMeetingPoint(c.Request.Context(), auth.ActorOf(c), id, in)
	answer(c, http.StatusOK, view, err)
}

func (s handlers) listMeetingPoints(c *gin.Context) {
	items, err := s.meetingPoints(c.Request.Context())
	answer(c, http.StatusOK, gin.H{"items": items}, err)
}

func (s handlers) putCheckinPlan(c *gin.Context) {
	var in CheckinPlanInput
	if !httpx.BindStrict(c, &in, false) {
		return
	}
	view, err := checkins{s.Service}.setCheckinPlan(c.Request.Context(), auth.ActorOf(c), c.Param("code"), in)
	answer(c, http.StatusOK, view, err)
}

func (s handlers) getCheckinPlan(c *gin.Context) {
	plan, recent, err := checkins{s.Service}.checkinPlanOf(c.Request.Context(), auth.ActorOf(c), c.Param("code"))
	answer(c, http.StatusOK, gin.H{"plan": plan, "recent_checkins": recent}, err)
}

func (s handlers) deleteCheckinPlan(c *gin.Context) {
	if err := (checkins{s.Service}).stopCheckinPlan(c.Request.Context(), auth.ActorOf(c), c.Param("code")); err != nil {
		httpx.Fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s handlers) listEscalations(c *gin.Context) {
	items, err := s.Escalations(c.Request.Context(), auth.ActorOf(c), c.Query("status"))
	answer(c, http.StatusOK, gin.H{"items": items, "emergency_protocol": s.cfg.EmergencyProtocol}, err)
}

func (s handlers) getEscalation(c *gin.Context) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		httpx.Fail(c, httpx.NotFound("escalation"))
		return
	}
	v, err := escalations{s.Service}.escalationDetail(c.Request.Context(), s.q, auth.ActorOf(c), id)
	answer(c, http.StatusOK, v, err)
}

func (s handlers) ackEscalation(c *gin.Context) { s.closeEscalation(c, false) }

func (s handlers) resolveEscalation(c *gin.Context) { s.closeEscalation(c, true) }

func (s handlers) closeEscalation(c *gin.Context, resolve bool) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		httpx.Fail(c, httpx.NotFound("escalation"))
		return
	}
	var in escalationClose
	if c.Request.ContentLength != 0 && !httpx.BindStrict(c, &in, false) {
		return
	}
	v, err := escalations{s.Service}.closeEscalationAs(c.Request.Context(), auth.ActorOf(c), id, resolve, in)
	answer(c, http.StatusOK, v, err)
}

// answer writes v with status, or err: a session-spacing refusal with the
// free slots beside it, any other error as the API's error.
func answer(c *gin.Context, status int, v any, err error) {
	var se *SpacingError
	switch {
	case errors.As(err, &se):
		er := errs.Field(CodeSessionSpacing, "starts_at", "individual sessions at this venue must be at least %s apart; nearest free start times: %s (earlier) or %s (later)",
			se.Spacing, se.Earlier.Format(time.RFC3339), se.Later.Format(time.RFC3339))
		httpx.SetErrCode(c, er.Code)
		c.AbortWithStatusJSON(errs.Status(er), gin.H{"error": er, "free_slots": gin.H{"earlier": se.Earlier, "later": se.Later}})
	case err != nil:
		httpx.Fail(c, err)
	default:
		c.JSON(status, v)
	}
}
