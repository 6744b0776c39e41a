package safety

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

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
	if err != nil {
		failAppt(c, err)
		return
	}
	c.JSON(http.StatusCreated, view)
}

func (s handlers) patchAppointment(c *gin.Context) {
	var in AppointmentPatch
	if !httpx.BindStrict(c, &in, false) {
		return
	}
	view, err := bookings{s.Service}.moveAppointment(c.Request.Context(), auth.ActorOf(c), c.Param("id"), in)
	if err != nil {
		failAppt(c, err)
		return
	}
	c.JSON(http.StatusOK, view)
}

func (s handlers) cancelAppointment(c *gin.Context) {
	view, err := bookings{s.Service}.cancelBooking(c.Request.Context(), auth.ActorOf(c), c.Param("id"))
	if err != nil {
		failAppt(c, err)
		return
	}
	c.JSON(http.StatusOK, view)
}

func (s handlers) createMeetingPoint(c *gin.Context) {
	var in MeetingPointInput
	// "name" is a place's name here, not a person's.
	if !httpx.BindStrict(c, &in, true) {
		return
	}
	view, err := s.addMeetingPoint(c.Request.Context(), auth.ActorOf(c), in)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, view)
}

func (s handlers) listMeetingPoints(c *gin.Context) {
	items, err := s.meetingPoints(c.Request.Context())
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (s handlers) putCheckinPlan(c *gin.Context) {
	var in CheckinPlanInput
	if !httpx.BindStrict(c, &in, false) {
		return
	}
	view, err := checkins{s.Service}.setCheckinPlan(c.Request.Context(), auth.ActorOf(c), c.Param("code"), in)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, view)
}

func (s handlers) getCheckinPlan(c *gin.Context) {
	plan, recent, err := checkins{s.Service}.checkinPlanOf(c.Request.Context(), auth.ActorOf(c), c.Param("code"))
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"plan": plan, "recent_checkins": recent})
}

func (s handlers) deleteCheckinPlan(c *gin.Context) {
	if err := (checkins{s.Service}).stopCheckinPlan(c.Request.Context(), auth.ActorOf(c), c.Param("code")); err != nil {
		httpx.Fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s handlers) listAppointments(c *gin.Context) {
	items, err := s.Appointments(c.Request.Context(), auth.ActorOf(c), c.Query("participant"))
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (s handlers) listEscalations(c *gin.Context) {
	items, err := s.Escalations(c.Request.Context(), auth.ActorOf(c), c.Query("status"))
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "emergency_protocol": s.cfg.EmergencyProtocol})
}

func (s handlers) getEscalation(c *gin.Context) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		httpx.Fail(c, httpx.NotFound("escalation"))
		return
	}
	v, err := escalations{s.Service}.escalationDetail(c.Request.Context(), s.q, auth.ActorOf(c), id)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
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
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}
